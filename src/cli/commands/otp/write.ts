import type { CommandModule } from 'yargs';
import { InputError } from '../../../index.js';
import { parseFlagWrites, parseStickyLocks, parseVendorWriteTokens, readEditsFile } from '../../edit-args.js';
import type { GlobalArgs } from '../../global-options.js';
import { runOtpWrite, withWriteSafetyOptions, type WriteSafetyArgs } from '../../otp-write-runner.js';
import { action } from '../../run.js';

interface WriteArgs extends GlobalArgs, WriteSafetyArgs {
  edits: string[];
  word: (string | number)[];
  value: (string | number)[];
  lock: boolean;
  sticky: string[];
  'from-json'?: string;
}

export const otpWriteCommand: CommandModule<GlobalArgs, WriteArgs> = {
  command: 'write [edits..]',
  describe: 'Program OTP words (irreversible): shows the plan, asks, writes, reads back and verifies',
  builder: (y) =>
    withWriteSafetyOptions(y)
      .positional('edits', { type: 'string', array: true, default: [], describe: 'Vendor spelling: word=N value=V [lock] ...' })
      .option('word', { type: 'string', array: true, default: [], describe: 'Word to write (repeat with --value)' })
      .option('value', { type: 'string', array: true, default: [], describe: 'Value for the --word at the same position' })
      .option('lock', { type: 'boolean', default: false, describe: 'Also set the permanent write lock on every word written' })
      .option('sticky', { type: 'string', array: true, default: [], describe: 'Also request sticky locks on every word written: prog, shadow-write, shadow-read (until reset)' })
      .option('from-json', { type: 'string', describe: 'Read the edits from a JSON file ({"edits":[{"op":"write","word":10,"value":"0x..","lock":true},...]})' })
      .example('$0 otp write word=10 value=0x0ABCDEF0', 'Program word 10 (vendor spelling)')
      .example('$0 otp write --word 10 --value 0x0ABCDEF0 --lock --yes', 'Program and permanently lock word 10, no question')
      .example('$0 otp write --from-json plan.json --dry-run', 'Show what a plan file would burn') as never,
  handler: action<WriteArgs>(async (args, ctx) => {
    const edits = [...parseVendorWriteTokens(args.edits.map(String)), ...parseFlagWrites(args.word, args.value, args.lock)];
    // --lock and --sticky apply to every word given on the command line, whatever its spelling.
    const sticky = parseStickyLocks(args.sticky.map(String));
    for (const e of edits) {
      if (e.op !== 'write') continue;
      if (args.lock) e.lock = true;
      if (sticky.length) e.sticky = sticky;
    }
    if (args['from-json']) edits.push(...(await readEditsFile(args['from-json'])));
    if (edits.length === 0) throw new InputError('USAGE', 'nothing to write: give word=N value=V, --word N --value V, or --from-json FILE');
    return runOtpWrite(args, ctx, edits, 'otp-write');
  }),
};
