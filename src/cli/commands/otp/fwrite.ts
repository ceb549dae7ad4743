import type { CommandModule } from 'yargs';
import { InputError } from '../../../index.js';
import { parseVendorWordTokens, parseWordId, readInputFile } from '../../edit-args.js';
import type { GlobalArgs } from '../../global-options.js';
import { runOtpWrite, withWriteSafetyOptions, type WriteSafetyArgs } from '../../otp-write-runner.js';
import { action } from '../../run.js';

interface FwriteArgs extends GlobalArgs, WriteSafetyArgs {
  file: string;
  rest: string[];
  word?: string | number;
  lock: boolean;
}

export const otpFwriteCommand: CommandModule<GlobalArgs, FwriteArgs> = {
  command: 'fwrite <file> [rest..]',
  describe: 'Program a binary file into consecutive OTP words (little-endian 32-bit words, as the vendor tool)',
  builder: (y) =>
    withWriteSafetyOptions(y)
      .positional('file', { type: 'string', demandOption: true, describe: 'Binary file, a multiple of 4 bytes' })
      .positional('rest', { type: 'string', array: true, default: [], describe: 'word=N [lock]' })
      .option('word', { type: 'string', describe: 'First word to write' })
      .option('lock', { type: 'boolean', default: false, describe: 'Permanently lock every word written' })
      .example('$0 otp fwrite key-hash.bin word=24 lock', 'Burn a 32-byte public key hash into words 24..31 and lock them') as never,
  handler: action<FwriteArgs>(async (args, ctx) => {
    // The vendor help writes `fwrite [lock] <file> word=N`: a leading "lock" is not the file.
    const leadingLock = args.file === 'lock' && args.rest.length > 0;
    const file = leadingLock ? String(args.rest[0]) : args.file;
    const parsed = parseVendorWordTokens((leadingLock ? args.rest.slice(1) : args.rest).map(String));
    const words = [...parsed.words, ...(args.word !== undefined ? [parseWordId(args.word)] : [])];
    if (words.length !== 1) throw new InputError('USAGE', 'give exactly one first word: word=N or --word N');
    const data = await readInputFile(file);
    return runOtpWrite(args, ctx, [{ op: 'fwrite', word: words[0]!, data, lock: leadingLock || parsed.lock || args.lock }], 'otp-fwrite');
  }),
};
