import type { CommandModule } from 'yargs';
import { createCaptureDecoder, frameTraceLine, InputError, streamCaptureFile, type CaptureHeader, type DecodedFrame } from '../../../index.js';
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
      .example('$0 capture decode session.jsonl --json | jq -c "select(.kind==\\"otp\\")"', 'JSON Lines, one object per frame (unreadable lines: {"kind":"invalid-line","line":N,...})') as never,
  handler: action<DecodeArgs>(async (args, ctx) => {
    if (!Number.isFinite(args['gap-ms']) || args['gap-ms'] < 0) throw new InputError('USAGE', `--gap-ms must be a number ≥ 0, got ${args['gap-ms']}`);
    const decoder = createCaptureDecoder({ gapMs: args['gap-ms'] });
    const render = ctx.json ? (f: DecodedFrame) => JSON.stringify(f) : frameTraceLine;
    let lines: string[] = [];
    const flush = (): void => {
      if (lines.length > 0) ctx.out(lines.join('\n'));
      lines = [];
    };
    const write = (frames: DecodedFrame[]): void => {
      for (const f of frames) lines.push(render(f));
      if (lines.length >= BATCH) flush();
    };
    let header: CaptureHeader | undefined;
    let chunks = 0;
    let problems = 0;
    try {
      // Lenient and streamed: a damaged capture shows everything it still holds, a huge one is never in memory whole.
      for await (const item of streamCaptureFile(args.file, { lenient: true })) {
        if (item.kind === 'header') header = item.header;
        else if (item.kind === 'chunk') {
          chunks++;
          write(decoder.push(item.chunk));
        } else {
          // Reported where it is; the decoder goes on (it re-synchronises by itself if bytes were lost here).
          problems++;
          const p = item.problem;
          if (ctx.json) lines.push(JSON.stringify({ kind: 'invalid-line', line: p.line, message: p.message, text: p.text }));
          else {
            flush();
            ctx.note(`${args.file}:${p.line}: skipped: ${p.message}`);
          }
        }
      }
    } catch (err) {
      // A bad first line means this is no capture at all (another tool's output, a binary): say what to do.
      if (err instanceof InputError && err.code === 'CAPTURE_INVALID' && header === undefined) {
        throw new InputError('CAPTURE_INVALID', `${args.file} is not a capture (JSON Lines starting with {"format":"stm32mp-uart-capture",...}); for socat, Saleae or sigrok output use \`capture import\` first`, { cause: err });
      }
      throw err;
    }
    write(decoder.end());
    flush();
    if (!ctx.json) ctx.note(`${chunks} chunk(s), baud ${header?.baud ?? '?'}, port ${header?.port || '?'}${problems > 0 ? `; ${problems} line(s) could not be read and were skipped` : ''}`);
  }),
};
