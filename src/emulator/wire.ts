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
  /** The timer of the next slice (on the wall clock: intermediate slices only). */
  timer: Timer | undefined;
  /** On the wall clock: the precise timer of the next chunk end, and that end. */
  end: Timer | undefined;
  endItem: Pending | undefined;
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
 * adapter latency being modelled — so the end of each chunk (the byte the other side reacts to)
 * goes through `preciseTimers`: a timeout to a few ms before the due time, a sub-millisecond sleep,
 * then polling performance.now() on setImmediate. Intermediate slices only feed the device's own
 * window timers and use the plain clock timer. On any other clock (ManualClock in tests) every
 * slice is a plain clock timer, so virtual time stays exact and nothing sleeps or polls.
 * `takeWireTimingStats` tells how late the ends were delivered and how long each side took to react.
 */
export class Wire {
  private readonly byteMs: number;
  private readonly sliceBytes: number;
  private readonly precise: boolean;
  private lastDirection: WireDirection | undefined;
  /** The last chunk end delivered, until the side that received it sends (reaction time). */
  private lastEnd: { direction: WireDirection; atMs: number } | undefined;
  private readonly lines: Record<WireDirection, Line> = {
    'to-device': { freeAtMs: 0, queue: [], head: 0, timer: undefined, end: undefined, endItem: undefined },
    'to-host': { freeAtMs: 0, queue: [], head: 0, timer: undefined, end: undefined, endItem: undefined },
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
    const now = this.clock.now();
    if (this.precise && this.lastEnd && this.lastEnd.direction !== direction) {
      noteReaction(direction === 'to-host' ? 'device' : 'host', now - this.lastEnd.atMs);
      this.lastEnd = undefined;
    }
    let start = Math.max(now, line.freeAtMs);
    if (this.lastDirection !== undefined && this.lastDirection !== direction) start += this.options.latencyMs;
    this.lastDirection = direction;
    const n = bytes.length;
    for (let i = 0; i < n; i += this.sliceBytes) {
      const end = Math.min(n, i + this.sliceBytes);
      line.queue.push({ atMs: start + end * this.byteMs, bytes: i === 0 && end === n ? bytes : bytes.subarray(i, end), last: end === n });
    }
    line.freeAtMs = start + n * this.byteMs;
    if (!line.timer && !line.end) this.arm(direction);
  }

  /** Drops everything still on the wire (board closed). */
  cancel(): void {
    for (const line of Object.values(this.lines)) {
      line.timer?.cancel();
      line.end?.cancel();
      line.timer = undefined;
      line.end = undefined;
      line.endItem = undefined;
      line.queue = [];
      line.head = 0;
    }
  }

  /**
   * Delivers, in order, every slice due by now and at least every slice up to `upTo` (the slice
   * whose timer fired): a chunk end's precise timer thus never waits for a late coarse timer before
   * it, and a virtual clock's float rounding cannot leave a slice undelivered.
   */
  private pump(direction: WireDirection, upTo: Pending | undefined): void {
    const line = this.lines[direction];
    const now = this.clock.now();
    let forced = upTo;
    while (line.head < line.queue.length) {
      const item = line.queue[line.head]!;
      if (item.atMs > now && !forced) break;
      line.head++;
      if (item === forced) forced = undefined;
      if (item === line.endItem) {
        line.end?.cancel();
        line.end = undefined;
        line.endItem = undefined;
      }
      if (this.precise && item.last) {
        noteLateness(now - item.atMs);
        this.lastEnd = { direction, atMs: now };
      }
      this.deliver(direction, item.bytes);
    }
    this.arm(direction);
  }

  /** Arms the timers of what is left on the line (none when it is empty). */
  private arm(direction: WireDirection): void {
    const line = this.lines[direction];
    line.timer?.cancel();
    line.timer = undefined;
    const next = line.queue[line.head];
    if (!next) {
      line.queue = [];
      line.head = 0;
      return;
    }
    if (!this.precise) {
      line.timer = this.clock.schedule(next.atMs - this.clock.now(), () => this.pump(direction, next));
      return;
    }
    if (!line.endItem) {
      let end = next;
      for (let i = line.head + 1; !end.last && i < line.queue.length; i++) end = line.queue[i]!;
      line.endItem = end;
      line.end = preciseTimers.at(end.atMs, () => {
        line.end = undefined;
        this.pump(direction, end);
      });
    }
    // Intermediate slices: a plain timer, and no forcing — a wall-clock timeout may fire a little
    // early, and these bytes must not arrive before their time either.
    if (next !== line.endItem) line.timer = this.clock.schedule(next.atMs - this.clock.now(), () => this.pump(direction, undefined));
  }
}

/**
 * Below this much time before a due time, a precise timer stops relying on setTimeout, which fires on
 * whole milliseconds of the event loop's clock and is often ~1 ms late.
 */
export const SPIN_MARGIN_MS = 3;
/**
 * The last stretch before a due time is polled on setImmediate: a blocking sleep overshoots by
 * ~0.1-0.2 ms on a busy machine (timer slack), polling by a few microseconds.
 */
const POLL_MS = 0.5;
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

interface PreciseEntry {
  atMs: number;
  fn: () => void;
  live: boolean;
}

/** Where the time beyond the wire's own went, on the wall clock (all wires of the process). */
export interface WireTimingStats {
  /** Chunk ends delivered. */
  delivered: number;
  /** How late they were delivered: the emulator's scheduling error, neither side's work. */
  lateMsTotal: number;
  lateMsMax: number;
  /** From a chunk end delivered to the host until the host's next write (its reaction). */
  hostMsTotal: number;
  /** From a chunk end delivered to the device until the device's next output (its reaction). */
  deviceMsTotal: number;
}

/**
 * Wall-clock timers precise to a few microseconds on an idle machine, shared by every wire of the
 * process (four boards in parallel wait in one loop, not four). Entries are kept sorted by due time; one wake-up delivers
 * everything due, in order.
 */
class PreciseTimers {
  private entries: PreciseEntry[] = [];
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private plannedAtMs = Number.POSITIVE_INFINITY;

  at(atMs: number, fn: () => void): Timer {
    const entry: PreciseEntry = { atMs, fn, live: true };
    // Due times almost always come in order: search from the end.
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.atMs > atMs) i--;
    this.entries.splice(i, 0, entry);
    if (atMs < this.plannedAtMs) this.plan(false);
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
      // Only a wake-up that delivered nothing may block: after a delivery, the side that received
      // the bytes reacts in microtasks that run when this callback returns — not after a sleep.
      this.plan(due.length === 0);
    }
  };

  private plan(mayBlock: boolean): void {
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
    const remainingMs = head.atMs - performance.now();
    if (remainingMs - SPIN_MARGIN_MS >= 1) {
      this.timeout = setTimeout(this.wake, remainingMs - SPIN_MARGIN_MS);
      return;
    }
    // Within the margin: sleep the thread (Atomics.wait, sub-millisecond) until just before the due
    // time, then poll the rest on setImmediate. Polling alone makes the process a CPU hog that a
    // busy machine's scheduler preempts for whole time slices (ms of lateness at each turnaround);
    // a sleeping thread is woken on time. The sleep happens in a wake-up of its own, after every
    // reaction to earlier deliveries has run; what it holds back is at most the emulator's own
    // coarse timers (device pauses, intermediate slices) and I/O, by less than the margin.
    if (mayBlock && remainingMs > POLL_MS) Atomics.wait(SLEEP_CELL, 0, 0, remainingMs - POLL_MS);
    this.immediate = setImmediate(this.wake);
  }
}

const preciseTimers = new PreciseTimers();

const emptyStats = (): WireTimingStats => ({ delivered: 0, lateMsTotal: 0, lateMsMax: 0, hostMsTotal: 0, deviceMsTotal: 0 });
let timing = emptyStats();

function noteLateness(lateMs: number): void {
  timing.delivered++;
  timing.lateMsTotal += lateMs;
  if (lateMs > timing.lateMsMax) timing.lateMsMax = lateMs;
}

function noteReaction(side: 'host' | 'device', ms: number): void {
  if (side === 'host') timing.hostMsTotal += ms;
  else timing.deviceMsTotal += ms;
}

/**
 * Since the last call, over all wall-clock wires of the process: how late chunk ends were delivered
 * (the emulator's own scheduling) and how long each side took to react to them. With the protocol's
 * mandatory time, these account for a measured time. Resets the counters.
 */
export function takeWireTimingStats(): WireTimingStats {
  const s = timing;
  timing = emptyStats();
  return s;
}
