import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { createCaptureDecoder, frameTraceLine, type DecodedFrame } from '../../../index.js';
import { parseCapture } from '../../../index.js';
import { InputError } from '../../../index.js';
import type { GlobalArgs } from '../../global-options.js';
import { action } from '../../run.js';

interface DecodeArgs extends GlobalArgs {
  file: string;
  'gap-ms': number;
}

const BATCH = 2000; // lines per stdout write: a 50 MB capture is a million frames

export const captureDecodeCommand: CommandModule<GlobalArgs, DecodeArgs> = {
  command: 'decode <file>',
  describe: 'Dissect a capture into frames: sync, commands, addresses, lengths, checksums, answers, stage changes, text, gaps, OTP structures',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Capture file (JSON Lines, as written by --record or capture import)' })
      .option('gap-ms', { type: 'number', default: 100, describe: 'Show silences longer than this as gap frames (ms)' })
      .example('$0 capture decode captures/otp-read.jsonl', 'One line per frame: time (s), direction, what it is')
      .example('$0 capture decode session.jsonl --json | jq -c "select(.kind==\\"otp\\")"', 'JSON Lines, one object per frame') as never,
  handler: action<DecodeArgs>(async (args, ctx) => {
    if (!Number.isFinite(args['gap-ms']) || args['gap-ms'] < 0) throw new InputError('USAGE', `--gap-ms must be a number ≥ 0, got ${args['gap-ms']}`);
    let text: string;
    try {
      text = await readFile(args.file, 'utf8');
    } catch (err) {
      throw new InputError('FILE', `cannot read ${args.file}: ${(err as Error).message}`, { cause: err });
    }
    let capture;
    try {
      capture = parseCapture(text, args.file);
    } catch (err) {
      // A bad first line means this is no capture at all (another tool's output, a binary): say what to do.
      if (err instanceof InputError && (err.message.startsWith(`${args.file}:1:`) || err.message.includes('no header line'))) {
        throw new InputError('CAPTURE_INVALID', `${args.file} is not a capture (JSON Lines starting with {"format":"stm32mp-uart-capture",...}); for socat, Saleae or sigrok output use \`capture import\` first`, { cause: err });
      }
      throw err;
    }
    const decoder = createCaptureDecoder({ gapMs: args['gap-ms'] });
    const render = ctx.json ? (f: DecodedFrame) => JSON.stringify(f) : frameTraceLine;
    let lines: string[] = [];
    const write = (frames: DecodedFrame[]): void => {
      for (const f of frames) lines.push(render(f));
      if (lines.length >= BATCH) {
        ctx.out(lines.join('\n'));
        lines = [];
      }
    };
    for (const chunk of capture.chunks) write(decoder.push(chunk));
    write(decoder.end());
    if (lines.length > 0) ctx.out(lines.join('\n'));
    if (!ctx.json) ctx.note(`${capture.chunks.length} chunk(s), baud ${capture.header.baud}, port ${capture.header.port || '?'}`);
  }),
};
