import { realClock, type Clock, type Timer } from '../util/clock.js';

/** One byte at 8E1: start + 8 data + parity + stop. */
export const BITS_PER_BYTE = 11;

export interface WireOptions {
  baud: number;
  /** Added once whenever the direction of traffic changes (USB adapter turnaround). */
  latencyMs: number;
}

export type WireDirection = 'to-device' | 'to-host';

interface Pending {
  /** Absolute time on the clock when the slice's last byte has crossed. */
  atMs: number;
  bytes: Buffer;
  /** The last slice of a chunk: the one whose arrival the other side reacts to. */
  last: boolean;
}

interface Line {
  freeAtMs: number;
  queue: Pending[];
  head: number;
  timer: Timer | undefined;
}

/**
 * Longest stretch of wire time delivered as one piece. A whole 258-byte packet delivered at its end
 * would let a 9600-baud host pass U-Boot's 30 ms data window and fail TF-A's 20 ms inter-byte
 * timeout, the opposite of a board; slices of ≤ 2 ms keep both timers honest at a cost of one
 * timer per slice (one per ~21 bytes at 115200, one per packet at 921600), never one per byte.
 */
export const WIRE_SLICE_MS = 2;

/**
 * A real-time UART wire (issue 10): bytes cross the line back-to-back after whatever is still on it
 * in the same direction, each taking 11 bit times, plus `latencyMs` when a chunk goes the other way
 * from the previous one. A slice of a chunk is delivered when its last byte has crossed. The same
 * model serves both directions; one timer per direction at a time.
 *
 * Timing: every slice has an absolute due time computed when its chunk is sent, so a late timer
 * never pushes the following slices back (errors do not accumulate along a chunk). On the wall
 * clock, setTimeout alone would deliver up to ~1 ms late at every turnaround — as much as the
 * adapter latency being modelled — so the last slice of each chunk (the one the other side reacts
 * to) goes through `preciseTimers`: a coarse timeout to just before the due time, then polling
 * performance.now() on setImmediate until it is reached. Intermediate slices only feed the device's
 * own window timers and use the plain clock timer. On any other clock (ManualClock in tests) every
 * slice is a plain clock timer, so virtual time stays exact and nothing spins.
 */
export class Wire {
  private readonly byteMs: number;
  private readonly sliceBytes: number;
  private readonly precise: boolean;
  private lastDirection: WireDirection | undefined;
  private readonly lines: Record<WireDirection, Line> = {
    'to-device': { freeAtMs: 0, queue: [], head: 0, timer: undefined },
    'to-host': { freeAtMs: 0, queue: [], head: 0, timer: undefined },
  };

  constructor(
    private readonly clock: Clock,
    readonly options: WireOptions,
    private readonly deliver: (direction: WireDirection, bytes: Buffer) => void,
  ) {
    this.byteMs = (BITS_PER_BYTE * 1000) / options.baud;
    this.sliceBytes = Math.max(1, Math.floor(WIRE_SLICE_MS / this.byteMs));
    this.precise = clock === realClock;
  }

  /** Milliseconds `n` bytes occupy the line. */
  bytesMs(n: number): number {
    return n * this.byteMs;
  }

  send(direction: WireDirection, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const line = this.lines[direction];
    let start = Math.max(this.clock.now(), line.freeAtMs);
    if (this.lastDirection !== undefined && this.lastDirection !== direction) start += this.options.latencyMs;
    this.lastDirection = direction;
    const n = bytes.length;
    for (let i = 0; i < n; i += this.sliceBytes) {
      const end = Math.min(n, i + this.sliceBytes);
      line.queue.push({ atMs: start + end * this.byteMs, bytes: i === 0 && end === n ? bytes : bytes.subarray(i, end), last: end === n });
    }
    line.freeAtMs = start + n * this.byteMs;
    if (!line.timer) this.arm(direction);
  }

  /** Drops everything still on the wire (board closed). */
  cancel(): void {
    for (const line of Object.values(this.lines)) {
      line.timer?.cancel();
      line.timer = undefined;
      line.queue = [];
      line.head = 0;
    }
  }

  private arm(direction: WireDirection): void {
    const line = this.lines[direction];
    const item = line.queue[line.head];
    if (!item) {
      line.timer = undefined;
      line.queue = [];
      line.head = 0;
      return;
    }
    const fire = (): void => {
      line.head++;
      this.arm(direction);
      this.deliver(direction, item.bytes);
    };
    line.timer = this.precise && item.last ? preciseTimers.at(item.atMs, fire) : this.clock.schedule(item.atMs - this.clock.now(), fire);
  }
}

/**
 * Below this much time before a due time, a precise timer polls instead of sleeping: setTimeout
 * fires on whole milliseconds of the event loop's clock and is often ~1 ms late.
 */
export const SPIN_MARGIN_MS = 1.5;

interface PreciseEntry {
  atMs: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * Wall-clock timers precise to a few microseconds, shared by every wire of the process (four boards
 * in parallel poll in one loop, not four). Entries are kept sorted by due time; one wake-up delivers
 * everything due, in order.
 */
class PreciseTimers {
  private entries: PreciseEntry[] = [];
  private seq = 0;
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private plannedAtMs = Number.POSITIVE_INFINITY;

  at(atMs: number, fn: () => void): Timer {
    const entry: PreciseEntry = { atMs, seq: this.seq++, fn, live: true };
    // Due times almost always come in order: search from the end.
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.atMs > atMs) i--;
    this.entries.splice(i, 0, entry);
    if (atMs < this.plannedAtMs) this.plan();
    return { cancel: () => void (entry.live = false) };
  }

  private readonly wake = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    this.plannedAtMs = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let k = 0;
    while (k < this.entries.length && this.entries[k]!.atMs <= now) k++;
    const due = this.entries.splice(0, k);
    try {
      for (const e of due) if (e.live) e.fn();
    } finally {
      this.plan();
    }
  };

  private plan(): void {
    while (this.entries.length > 0 && !this.entries[0]!.live) this.entries.shift();
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    const head = this.entries[0];
    if (!head) {
      this.plannedAtMs = Number.POSITIVE_INFINITY;
      return;
    }
    this.plannedAtMs = head.atMs;
    const sleepMs = head.atMs - performance.now() - SPIN_MARGIN_MS;
    if (sleepMs >= 1) this.timeout = setTimeout(this.wake, sleepMs);
    else this.immediate = setImmediate(this.wake);
  }
}

const preciseTimers = new PreciseTimers();
