import { readFile } from 'node:fs/promises';
import { InputError, LinkError } from '../errors.js';
import { QueueTransport, type Transport } from '../transport/transport.js';
import { realClock } from '../util/clock.js';
import { describeFrameAt, frameTraceLine } from './decode.js';
import { parseCapture, type Capture } from './format.js';

export interface ReplayOptions {
  /** Transport name (default "replay"). */
  name?: string;
  /** Largest piece the recorded answers are cut into (default 7; 1 = byte by byte). */
  maxPieceBytes?: number;
  /** Seed of the piece sizes, so a failing replay fails the same way again (default 1). */
  seed?: number;
}

/** An rx chunk and how many host bytes must have been matched before it is played. */
interface RxEvent {
  after: number;
  data: Buffer;
}

const WINDOW = 16; // bytes of expected / actual shown in a mismatch

/**
 * Plays the device side of a capture, as an expectation queue (style.md pattern 16): every host
 * write must equal the capture's next host bytes, whatever the chunking on either side; after the
 * host bytes that preceded an answer in the capture have all been matched, the answer is played,
 * cut on purpose into 1..7-byte pieces delivered on later macrotasks (never inside `write`), so
 * that a host relying on chunk boundaries or on synchronous answers fails here and not on a board.
 * Answers wait only for the host bytes recorded before them, so a capture whose host wrote ahead of
 * the device (a pipelined packet) cannot deadlock.
 */
export class ReplayTransport extends QueueTransport {
  private readonly txStream: Buffer;
  private readonly rxEvents: RxEvent[] = [];
  private txPos = 0;
  private nextRx = 0;
  private pieces: Buffer[] = [];
  private pumpScheduled = false;
  private opened = false;
  private closed = false;
  private rng: number;
  private readonly maxPiece: number;

  constructor(
    readonly capture: Capture,
    options: ReplayOptions = {},
  ) {
    super(options.name ?? 'replay', realClock, { baudRate: capture.header.baud, dataBits: 8, parity: capture.header.parity, stopBits: 1 });
    const tx: Buffer[] = [];
    let txLen = 0;
    for (const c of capture.chunks) {
      if (c.dir === 'tx') {
        tx.push(c.data);
        txLen += c.data.length;
      } else if (c.data.length > 0) this.rxEvents.push({ after: txLen, data: c.data });
    }
    this.txStream = Buffer.concat(tx, txLen);
    this.rng = (options.seed ?? 1) >>> 0 || 1;
    this.maxPiece = Math.max(1, options.maxPieceBytes ?? 7);
  }

  /** Host bytes matched so far (the offset the next write is compared at). */
  get txOffset(): number {
    return this.txPos;
  }

  /** True when every host byte has been matched and every answer played. */
  get finished(): boolean {
    return this.txPos === this.txStream.length && this.nextRx === this.rxEvents.length && this.pieces.length === 0;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    this.release(); // device output recorded before the host's first byte (boot log, a NACK)
  }

  /**
   * Closes, and fails with REPLAY_INCOMPLETE (once) when the host stopped before writing every host
   * byte the capture holds: a host that sends less than the recorded session (a command dropped, a
   * read-back skipped) must fail its replay test, not pass it. Recorded answers left unread are fine:
   * the host owes nothing to trailing device output (a boot log after the last command).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pieces = [];
    this.input.close();
    if (this.opened && this.txPos < this.txStream.length) throw this.incomplete();
  }

  /**
   * Everything the capture says had arrived before the host's next write is in the input by now:
   * a drain in the recorded session discarded it, so it must here too, whatever the piece timing.
   */
  override drain(): Buffer {
    this.flushPieces();
    return super.drain();
  }

  protected async sendBytes(data: Buffer): Promise<void> {
    if (this.closed) throw new LinkError('PORT_CLOSED', `${this.name}: write after close`);
    const s = this.txStream;
    for (let i = 0; i < data.length; i++) {
      const at = this.txPos + i;
      if (at >= s.length) {
        throw new LinkError('REPLAY_EXHAUSTED', `${this.name}: the capture ends after ${s.length} host bytes, but the host wrote more: ${spaced(data.subarray(i, i + WINDOW))}`, {
          details: { offset: at, actual: data.subarray(i).toString('hex') },
        });
      }
      if (data[i] !== s[at]) throw this.mismatch(at, data.subarray(i));
    }
    this.txPos += data.length;
    this.release();
  }

  private incomplete(): LinkError {
    const at = this.txPos;
    const total = this.txStream.length;
    const remaining = this.txStream.subarray(at);
    const frame = describeFrameAt(this.capture.chunks, at);
    const where = frame ? `, starting with: ${frameTraceLine(frame).trim()}` : '';
    return new LinkError(
      'REPLAY_INCOMPLETE',
      `${this.name}: replay incomplete: the host stopped after ${at} of ${total} host bytes; the capture still expects ${remaining.length} byte(s): ${spaced(remaining.subarray(0, WINDOW))}${remaining.length > WINDOW ? ' …' : ''}${where}`,
      { details: { offset: at, total, remaining: remaining.subarray(0, WINDOW).toString('hex'), remainingBytes: remaining.length, frame: frame?.summary } },
    );
  }

  private mismatch(at: number, actual: Buffer): LinkError {
    const expected = this.txStream.subarray(at, at + WINDOW);
    const frame = describeFrameAt(this.capture.chunks, at);
    const where = frame ? `; the capture's bytes there belong to: ${frameTraceLine(frame).trim()}` : '';
    return new LinkError(
      'REPLAY_MISMATCH',
      `${this.name}: replay mismatch at host byte ${at}: the capture expects ${spaced(expected)}, the host wrote ${spaced(actual.subarray(0, WINDOW))}${where}`,
      { details: { offset: at, expected: expected.toString('hex'), actual: actual.subarray(0, WINDOW).toString('hex'), frame: frame?.summary } },
    );
  }

  /** Queues every answer whose preceding host bytes have all been matched. */
  private release(): void {
    while (this.nextRx < this.rxEvents.length && this.rxEvents[this.nextRx]!.after <= this.txPos) {
      const data = this.rxEvents[this.nextRx++]!.data;
      for (let o = 0; o < data.length; ) {
        const n = Math.min(data.length - o, 1 + (this.nextRandom() % this.maxPiece));
        this.pieces.push(data.subarray(o, o + n));
        o += n;
      }
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.pieces.length === 0) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      if (this.closed) return;
      const piece = this.pieces.shift();
      if (piece) this.receive(piece);
      this.schedulePump();
    });
  }

  private flushPieces(): void {
    const all = this.pieces;
    this.pieces = [];
    for (const p of all) this.receive(p);
  }

  /** xorshift32: deterministic piece sizes. */
  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}

function spaced(b: Buffer): string {
  if (b.length === 0) return '(nothing)';
  const parts: string[] = [];
  for (const x of b) parts.push(x.toString(16).padStart(2, '0'));
  return parts.join(' ');
}

/** `--port replay:FILE`: reads and parses the capture, returns the transport opened. */
export async function openReplayTransport(path: string, options: ReplayOptions = {}): Promise<Transport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError('FILE', `cannot read the capture ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const t = new ReplayTransport(parseCapture(text, path), { name: `replay:${path}`, ...options });
  await t.open();
  return t;
}
