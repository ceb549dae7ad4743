import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../global-options.js';

// Placeholder until its issue lands.
export const otpReadCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'read',
  describe: false,
  handler: () => {
    process.stderr.write('not implemented yet\n');
    process.exitCode = 2;
  },
};
