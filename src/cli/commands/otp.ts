import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { otpDiffCommand } from './otp/diff.js';
import { otpFwriteCommand } from './otp/fwrite.js';
import { otpLockCommand } from './otp/lock.js';
import { otpReadCommand } from './otp/read.js';
import { otpShowCommand } from './otp/show.js';
import { otpWriteCommand } from './otp/write.js';

export const otpCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'otp <command>',
  describe: 'Read, show, write and lock the OTP fuses (partition 0xF2)',
  builder: (y) =>
    y
      .command(otpShowCommand as never)
      .command(otpReadCommand as never)
      .command(otpWriteCommand as never)
      .command(otpLockCommand as never)
      .command(otpFwriteCommand as never)
      .command(otpDiffCommand as never)
      .example('$0 otp show --port /dev/ttyUSB0', "Show a board's OTP")
      .example('$0 otp write word=70 value=0x1234 lock --dry-run', 'See what a write would burn')
      .demandCommand(1, 'Name an otp command; see otp --help.'),
  handler: () => {},
};
