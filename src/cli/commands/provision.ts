import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';

// Placeholder until its issue lands.
export const provisionCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'provision',
  describe: false,
  handler: () => {
    process.stderr.write('not implemented yet\n');
    process.exitCode = 2;
  },
};
