import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';

// Placeholder until its issue lands.
export const emulateCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'emulate',
  describe: false,
  handler: () => {
    process.stderr.write('not implemented yet\n');
    process.exitCode = 2;
  },
};
