import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../global-options.js';

// Placeholder until its issue lands.
export const otpShowCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'show',
  describe: false,
  handler: () => {
    process.stderr.write('not implemented yet\n');
    process.exitCode = 2;
  },
};
