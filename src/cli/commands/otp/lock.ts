import type { CommandModule } from 'yargs';
import { InputError } from '../../../index.js';
import type { OtpEdit } from '../../../index.js';
import { parseStickyLocks, parseVendorWordTokens, parseWordId } from '../../edit-args.js';
import type { GlobalArgs } from '../../global-options.js';
import { runOtpWrite, withWriteSafetyOptions, type WriteSafetyArgs } from '../../otp-write-runner.js';
import { action } from '../../run.js';

interface LockArgs extends GlobalArgs, WriteSafetyArgs {
  words: string[];
  word: (string | number)[];
  sticky: string[];
}

export const otpLockCommand: CommandModule<GlobalArgs, LockArgs> = {
  command: 'lock [words..]',
  describe: 'Permanently write-lock OTP words (value unchanged), or set sticky locks with --sticky',
  builder: (y) =>
    withWriteSafetyOptions(y)
      .positional('words', { type: 'string', array: true, default: [], describe: 'word=N ...' })
      .option('word', { type: 'string', array: true, default: [], describe: 'Word to lock (repeatable)' })
      .option('sticky', {
        type: 'string',
        array: true,
        default: [],
        describe: 'Sticky locks instead of the permanent one: prog, shadow-write, shadow-read (they last until the board resets)',
      })
      .example('$0 otp lock word=60', 'Permanently lock word 60')
      .example('$0 otp lock word=24 word=25 --sticky prog --yes', 'Sticky programming lock on words 24 and 25 until reset') as never,
  handler: action<LockArgs>(async (args, ctx) => {
    const words = [...parseVendorWordTokens(args.words.map(String)).words, ...args.word.map(parseWordId)];
    if (words.length === 0) throw new InputError('USAGE', 'name the words to lock: word=N or --word N');
    const sticky = parseStickyLocks(args.sticky.map(String));
    const edits: OtpEdit[] = words.map((word) => (sticky.length ? { op: 'sticky', word, locks: sticky } : { op: 'lock', word }));
    if (sticky.length) ctx.note('Sticky locks last until the board resets, and OP-TEE-based firmware may ignore them: the read-back will tell.');
    return runOtpWrite(args, ctx, edits, sticky.length ? 'otp-sticky-lock' : 'otp-lock');
  }),
};
