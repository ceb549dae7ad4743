import { InputError } from '../errors.js';
import type { Direction, Parity } from '../transport/transport.js';

/**
 * The capture file format (JSON Lines), as recorded by `--record` and read by replay, decode and
 * import. First line: the header; then one line per chunk, in wire order.
 *   {"format":"stm32mp-uart-capture","version":1,"baud":115200,"parity":"even","port":"...","started":"<ISO>"}
 *   {"t":<µs since start>,"dir":"tx"|"rx","data":"<lowercase hex>"}
 */
export const CAPTURE_FORMAT = 'stm32mp-uart-capture';
export const CAPTURE_VERSION = 1;

export interface CaptureHeader {
  format: typeof CAPTURE_FORMAT;
  version: typeof CAPTURE_VERSION;
  baud: number;
  parity: Parity;
  port: string;
  started: string;
}

export interface CaptureChunk {
  /** Microseconds since the capture started. */
  t: number;
  dir: Direction;
  data: Buffer;
}

export interface Capture {
  header: CaptureHeader;
  chunks: CaptureChunk[];
}

export function formatHeaderLine(h: CaptureHeader): string {
  return JSON.stringify({ format: h.format, version: h.version, baud: h.baud, parity: h.parity, port: h.port, started: h.started });
}

export function formatChunkLine(c: CaptureChunk): string {
  return `{"t":${Math.round(c.t)},"dir":"${c.dir}","data":"${c.data.toString('hex')}"}`;
}

export function serializeCapture(c: Capture): string {
  return [formatHeaderLine(c.header), ...c.chunks.map(formatChunkLine)].join('\n') + '\n';
}

/** Parses a capture file's text; errors name the line. A truncated last line is reported, not guessed. */
export function parseCapture(text: string, source = 'capture'): Capture {
  const lines = text.split('\n');
  let header: CaptureHeader | undefined;
  const chunks: CaptureChunk[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw new InputError('CAPTURE_INVALID', `${source}:${i + 1}: not a JSON line (truncated file?)`);
    }
    const o = obj as Record<string, unknown>;
    if (!header) {
      if (o.format !== CAPTURE_FORMAT || o.version !== CAPTURE_VERSION) {
        throw new InputError('CAPTURE_INVALID', `${source}:${i + 1}: expected the header {"format":"${CAPTURE_FORMAT}","version":${CAPTURE_VERSION},...}`);
      }
      header = {
        format: CAPTURE_FORMAT,
        version: CAPTURE_VERSION,
        baud: typeof o.baud === 'number' ? o.baud : 115200,
        parity: o.parity === 'none' || o.parity === 'odd' ? o.parity : 'even',
        port: typeof o.port === 'string' ? o.port : '',
        started: typeof o.started === 'string' ? o.started : '',
      };
      return;
    }
    if ((o.dir !== 'tx' && o.dir !== 'rx') || typeof o.data !== 'string' || !/^([0-9a-f]{2})*$/i.test(o.data) || typeof o.t !== 'number') {
      throw new InputError('CAPTURE_INVALID', `${source}:${i + 1}: expected {"t":<µs>,"dir":"tx"|"rx","data":"<hex>"}`);
    }
    chunks.push({ t: o.t, dir: o.dir, data: Buffer.from(o.data, 'hex') });
  });
  if (!header) throw new InputError('CAPTURE_INVALID', `${source}: empty capture (no header line)`);
  return { header, chunks };
}
