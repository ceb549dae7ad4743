import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { InputError } from '../../../index.js';
import { readOtp } from '../../../index.js';
import { uidOf } from '../../../index.js';
import { withBoard } from '../../board-options.js';
import type { GlobalArgs } from '../../global-options.js';
import { action } from '../../run.js';

interface ReadArgs extends GlobalArgs {
  output: string;
}

export const otpReadCommand: CommandModule<GlobalArgs, ReadArgs> = {
  command: 'read',
  describe: "Read the board's whole OTP structure (partition 0xF2) into a file",
  builder: (y) =>
    y
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'File to write the OTP structure to (776 bytes on STM32MP1)' })
      .example('$0 otp read -o dump.bin --port /dev/ttyUSB0', 'Save the OTP of a board') as never,
  handler: action<ReadArgs>(async (args, ctx) => {
    const result = await withBoard(args, ctx, (s) => readOtp(s.link, { logger: ctx.logger }));
    try {
      await writeFile(args.output, result.bytes);
    } catch (err) {
      throw new InputError('FILE', `cannot write ${args.output}: ${(err as Error).message}`, { cause: err });
    }
    const sha256 = createHash('sha256').update(result.bytes).digest('hex');
    const summary = { file: args.output, soc: result.soc, bytes: result.bytes.length, sha256, uid: uidOf(result.structure) };
    ctx.out(ctx.json ? JSON.stringify(summary) : `Saved ${summary.bytes} bytes of ${summary.soc} OTP (UID ${summary.uid}) to ${summary.file} (sha256 ${sha256})`);
  }),
};
