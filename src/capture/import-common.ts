import { InputError } from '../errors.js';
import type { Direction } from '../transport/transport.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type Capture, type CaptureChunk } from './format.js';

export interface ImportOptions {
  /** Line rate written to the header; also times the bytes of a source that has no timestamps. */
  baud?: number;
  /** File name used in error messages and the header's `port`. */
  source?: string;
  /** The whole input is this direction (one file per direction). */
  dir?: Direction;
  /** Exchange tx and rx (the tool's idea of "TX" was the board's, not the host's). */
  swap?: boolean;
  /** Channel names saying which is the host's TX / RX: Saleae analyzer `name`, sigrok decoder instance id. */
  txName?: string;
  rxName?: string;
  /** sigrok sample rate: turns sample numbers into µs. */
  sampleRateHz?: number;
  /** Bytes of one direction closer than this (µs) become one chunk (default 2000). */
  mergeWindowUs?: number;
  /**
   * ISO time for the header's `started` when the source has no dates of its own (Saleae, sigrok):
   * the CLI passes the input file's mtime. Default: the epoch, 1970-01-01T00:00:00.000Z.
   */
  started?: string;
}

/** Start time of a capture whose source carries no date. */
export const UNKNOWN_START = '1970-01-01T00:00:00.000Z';

/**
 * An imported capture, with what the importer kept but distrusts (a byte the analyzer flagged with a
 * parity or framing error): one line each, naming the file and line. The capture itself is written
 * as is; the warnings are for the user (the CLI prints them on stderr).
 */
export interface ImportedCapture extends Capture {
  warnings: string[];
}

/** One byte seen by an importer, with its time in µs when the source has one. */
export interface ByteEvent {
  t: number | undefined;
  dir: Direction;
  byte: number;
}

export function invalid(source: string, line: number | undefined, message: string): InputError {
  return new InputError('CAPTURE_INVALID', `${source}${line !== undefined ? `:${line}` : ''}: ${message}`, { details: { source, line } });
}

export function flip(dir: Direction, swap: boolean | undefined): Direction {
  return swap ? (dir === 'tx' ? 'rx' : 'tx') : dir;
}

/** 8E1: 11 bits per byte (an5275-uart.md "Line"). */
function byteTimeUs(baud: number): number {
  return (11 * 1e6) / baud;
}

/**
 * Orders the bytes by time (stable: equal times keep the source's order), rebases time to the
 * first byte, and merges bytes of one direction that follow each other closely into chunks.
 */
export function toCapture(events: ByteEvent[], options: ImportOptions, port: string, started = options.started ?? UNKNOWN_START): Capture {
  const baud = options.baud ?? 115200;
  const timed = events.length > 0 && events.every((e) => e.t !== undefined);
  const step = byteTimeUs(baud);
  const list = timed ? events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t! - b.e.t! || a.i - b.i).map((x) => x.e) : events;
  const t0 = timed ? list[0]!.t! : 0;
  const window = options.mergeWindowUs ?? 2000;
  const chunks: CaptureChunk[] = [];
  let cur: { t: number; dir: Direction; bytes: number[]; lastT: number } | undefined;
  list.forEach((e, i) => {
    const t = timed ? e.t! - t0 : i * step;
    if (cur && cur.dir === e.dir && t - cur.lastT <= window) {
      cur.bytes.push(e.byte);
      cur.lastT = t;
      return;
    }
    if (cur) chunks.push({ t: Math.round(cur.t), dir: cur.dir, data: Buffer.from(cur.bytes) });
    cur = { t, dir: e.dir, bytes: [e.byte], lastT: t };
  });
  if (cur) chunks.push({ t: Math.round(cur.t), dir: cur.dir, data: Buffer.from(cur.bytes) });
  return { header: { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, baud, parity: 'even', port, started }, chunks };
}

const ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c, "'": 0x27, '"': 0x22, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b };

/** A character as an analyzer prints it in ASCII mode: `A`, `\n`, `\x7f`, optionally in single quotes. */
export function parseCharValue(text: string): number | undefined {
  let s = text;
  if (s.length >= 3 && s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1);
  if (s.length === 1) {
    const c = s.charCodeAt(0);
    return c <= 0xff ? c : undefined;
  }
  const x = /^\\x([0-9a-fA-F]{2})$/.exec(s);
  if (x) return parseInt(x[1]!, 16);
  if (s.length === 2 && s[0] === '\\') return ESCAPES[s[1]!];
  return undefined;
}
