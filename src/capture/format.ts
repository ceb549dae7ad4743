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

/** A line of a capture that is not a chunk (lenient parsing): where, why, and its start. */
export interface CaptureProblem {
  /** 1-based line number in the file. */
  line: number;
  message: string;
  /** The line's first 80 characters. */
  text: string;
}

export interface ParseOptions {
  /**
   * Collect bad chunk lines (truncated JSON, garbage, wrong fields) as problems instead of throwing
   * on the first one: what `capture decode` needs to show what a damaged file still holds. The
   * header must still be the first line: without it the file is not a capture at all.
   */
  lenient?: boolean;
}

export interface LenientCapture extends Capture {
  problems: CaptureProblem[];
}

const CHUNK_SHAPE = 'expected {"t":<µs>,"dir":"tx"|"rx","data":"<hex>"}';
const HEX_PAIRS = /^([0-9a-f]{2})*$/i;

/**
 * Line-at-a-time capture parser, so a file can be parsed as it streams in (readline) without holding
 * it whole. Feed every line in order with its 1-based number; a chunk line gives a chunk, a bad line
 * throws CAPTURE_INVALID naming the line, or, lenient, gives a problem. A bad first line always throws:
 * it says the file is not a capture. `finish()` throws when no header came at all.
 */
export class CaptureLineParser {
  header: CaptureHeader | undefined;
  private readonly lenient: boolean;

  constructor(
    readonly source = 'capture',
    options: ParseOptions = {},
  ) {
    this.lenient = options.lenient ?? false;
  }

  /** The chunk on this line; undefined for a blank or the header line; a problem when lenient. */
  line(raw: string, lineNo: number): CaptureChunk | CaptureProblem | undefined {
    const line = raw.trim();
    if (line === '') return undefined;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return this.bad(lineNo, line, 'not a JSON line (truncated file?)');
    }
    const o = (obj !== null && typeof obj === 'object' ? obj : {}) as Record<string, unknown>;
    if (!this.header) {
      if (o.format !== CAPTURE_FORMAT || o.version !== CAPTURE_VERSION) {
        throw new InputError('CAPTURE_INVALID', `${this.source}:${lineNo}: expected the header {"format":"${CAPTURE_FORMAT}","version":${CAPTURE_VERSION},...}`, {
          details: { source: this.source, line: lineNo },
        });
      }
      this.header = {
        format: CAPTURE_FORMAT,
        version: CAPTURE_VERSION,
        baud: typeof o.baud === 'number' ? o.baud : 115200,
        parity: o.parity === 'none' || o.parity === 'odd' ? o.parity : 'even',
        port: typeof o.port === 'string' ? o.port : '',
        started: typeof o.started === 'string' ? o.started : '',
      };
      return undefined;
    }
    if ((o.dir !== 'tx' && o.dir !== 'rx') || typeof o.data !== 'string' || !HEX_PAIRS.test(o.data) || typeof o.t !== 'number' || !Number.isFinite(o.t)) {
      return this.bad(lineNo, line, CHUNK_SHAPE);
    }
    return { t: o.t, dir: o.dir, data: Buffer.from(o.data, 'hex') };
  }

  /** Throws when the input held no header line. */
  finish(): CaptureHeader {
    if (!this.header) throw new InputError('CAPTURE_INVALID', `${this.source}: empty capture (no header line)`, { details: { source: this.source } });
    return this.header;
  }

  private bad(lineNo: number, line: string, message: string): CaptureProblem {
    if (!this.lenient || !this.header) throw new InputError('CAPTURE_INVALID', `${this.source}:${lineNo}: ${message}`, { details: { source: this.source, line: lineNo } });
    return { line: lineNo, message, text: line.slice(0, 80) };
  }
}

/** True for what CaptureLineParser.line returns for a bad line in lenient mode. */
export function isCaptureProblem(x: CaptureChunk | CaptureProblem): x is CaptureProblem {
  return 'message' in x;
}

/**
 * Parses a capture file's text; errors name the line. A truncated last line is reported, not
 * guessed. Lenient: bad chunk lines are returned as `problems` and the good ones kept.
 */
export function parseCapture(text: string, source?: string, options?: ParseOptions & { lenient?: false }): Capture;
export function parseCapture(text: string, source: string, options: ParseOptions & { lenient: true }): LenientCapture;
export function parseCapture(text: string, source = 'capture', options: ParseOptions = {}): Capture | LenientCapture {
  const parser = new CaptureLineParser(source, options);
  const chunks: CaptureChunk[] = [];
  const problems: CaptureProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const r = parser.line(lines[i]!, i + 1);
    if (r === undefined) continue;
    if (isCaptureProblem(r)) problems.push(r);
    else chunks.push(r);
  }
  const header = parser.finish();
  return options.lenient ? { header, chunks, problems } : { header, chunks };
}
