import type { CommandModule } from 'yargs';
import { diffOtp } from '../../../index.js';
import { socFamilyFromOption } from '../../../index.js';
import type { GlobalArgs } from '../../global-options.js';
import { renderOtpDiff, type OtpDiffReport } from '../../render/otp-diff.js';
import { action } from '../../run.js';
import { readOtpFile } from './show.js';

interface DiffArgs extends GlobalArgs {
  a: string;
  b: string;
}

export const otpDiffCommand: CommandModule<GlobalArgs, DiffArgs> = {
  command: 'diff <a> <b>',
  describe: 'List the OTP words whose value or status differ between two structure files',
  builder: (y) =>
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'First OTP structure file (before)' })
      .positional('b', { type: 'string', demandOption: true, describe: 'Second OTP structure file (after)' })
      .example('$0 otp diff before.bin after.bin', 'What a write changed')
      .example('$0 otp diff before.bin after.bin --json', 'The same as JSON') as never,
  handler: action<DiffArgs>(async (args, ctx) => {
    const [a, b] = [await readOtpFile(args.a, args.soc), await readOtpFile(args.b, args.soc)];
    const words = diffOtp(a, b);
    const gsChanged = a.globalState >>> 0 !== b.globalState >>> 0;
    const report: OtpDiffReport = {
      a: args.a,
      b: args.b,
      identical: words.length === 0 && !gsChanged,
      globalState: gsChanged ? { before: a.globalState >>> 0, after: b.globalState >>> 0 } : null,
      words,
    };
    ctx.out(ctx.json ? JSON.stringify(report) : renderOtpDiff(report, socFamilyFromOption(args.soc)));
  }),
};
