import { realClock, type Clock, type Timer } from '../util/clock.js';

/** One byte at 8E1: start + 8 data + parity + stop. */
export const BITS_PER_BYTE = 11;

export interface WireOptions {
  baud: number;
  /** Added once whenever the direction of traffic changes (USB adapter turnaround). */
  latencyMs: number;
  /**
   * On the wall clock, spin through the last few milliseconds before each chunk end instead of
   * sleeping through most of them: the delivery is then exact to a few microseconds even where a
   * sleep would overshoot, and the side that receives the bytes reacts with warm caches — as a
   * board's firmware does, polling its UART (U-Boot's `stm32prog_serial_getc`). It keeps one core
   * busy while bytes are on the wire, so only the benchmark asks for it; default false.
   */
  busyWait?: boolean;
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
 * Longest stretch of wire time delivered as one piece of a long chunk. A whole 258-byte packet
 * delivered at its end would let a 9600-baud host pass U-Boot's 30 ms data window and fail TF-A's
 * 20 ms inter-byte timeout, the opposite of a board; slices of ≤ 2 ms keep both timers honest at a
 * cost of one timer per slice (one per ~21 bytes at 115200), never one per byte.
 */
export const WIRE_SLICE_MS = 2;

/**
 * A chunk whose whole wire time is at most this is delivered in one piece, at its end (a 258-byte
 * Download packet at 921600 takes 3.1 ms). Its first bytes arrive late by less than this, which no
 * device timer can tell from a progressive arrival: the shortest window that watches bytes arrive is
 * TF-A's 20 ms per byte, and U-Boot's 30 ms Download window starts when the device starts reading,
 * so a chunk that ends within 4 ms of its start passes or fails it the same either way. The last
 * byte — the one the other side reacts to — is exact in both cases. Slicing such a chunk would buy
 * nothing but a timer that, this close to the end, fires together with the end anyway.
 */
export const WHOLE_CHUNK_MS = 4;

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
 * goes through `preciseTimers`: a timeout to a few ms before the due time, then a sub-millisecond
 * sleep (unless `busyWait`) and a spin on performance.now() to the due time, delivering in the same
 * callback. Intermediate slices only feed the device's own window timers and use the plain clock
 * timer; a chunk of at most `WHOLE_CHUNK_MS` is not sliced at all. On any other clock (ManualClock
 * in tests) every slice is a plain clock timer, so virtual time stays exact and nothing sleeps.
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
    const step = n * this.byteMs <= WHOLE_CHUNK_MS ? n : this.sliceBytes;
    for (let i = 0; i < n; i += step) {
      const end = Math.min(n, i + step);
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
      line.end = preciseTimers.at(
        end.atMs,
        () => {
          line.end = undefined;
          this.pump(direction, end);
        },
        this.options.busyWait === true,
      );
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
 * The last stretch before a due time is spun on performance.now(): a blocking sleep overshoots (by
 * ~0.12 ms on an idle 2-core VM, ~0.15 ms at p90, with ms outliers on a busy machine), so the sleep
 * ends this much before the due time, plus what recent sleeps overshot (`PreciseTimers.overshootMs`).
 */
const MIN_GUARD_MS = 0.1;
/** No more than this is spun after a sleep, whatever the sleeps overshot lately. */
const MAX_GUARD_MS = 0.6;
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));
/** Integer work of one spin step (~0.25 µs once optimized); never allocates. */
const SPIN_STEP = 50;
let spinSink = 0;
/** How long one spin step took lately, in ms (measured as the spin goes; starts pessimistic). */
let stepMs = 0.005;

function spinStep(x: number): number {
  for (let i = 0; i < SPIN_STEP; i++) x = (x * 31 + i) | 0;
  return x;
}

/**
 * Spins until `atMs`. Each performance.now() allocates a heap number, and reading the clock every
 * microsecond through a millisecond-long spin fills V8's young generation in tens of milliseconds —
 * scavenges of ~1 ms that then land on the reactions being timed. So the spin reads the clock
 * rarely far from the due time: it runs steps worth half the remaining time between two reads
 * (about a dozen reads per millisecond), and single steps (~0.25 µs) near the end.
 */
function spinUntil(atMs: number): void {
  let now = performance.now();
  while (now < atMs) {
    const steps = Math.max(1, Math.floor((atMs - now) / 2 / stepMs));
    for (let k = 0; k < steps; k++) spinSink = spinStep(spinSink);
    const t = performance.now();
    // The latest rate, not an average: a preempted batch makes the next ones short at once.
    stepMs = Math.min(0.05, Math.max(0.0001, (t - now) / steps));
    now = t;
  }
}

interface PreciseEntry {
  atMs: number;
  fn: () => void;
  live: boolean;
  /** Spin the whole way from the margin instead of sleeping first (`WireOptions.busyWait`). */
  busyWait: boolean;
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
 * Wall-clock timers precise to a few microseconds, shared by every wire of the process (four boards
 * in parallel wait in one loop, not four). Entries are kept sorted by due time; one wake-up delivers
 * everything due, in order. Far from the head's due time a setTimeout wakes the loop
 * `SPIN_MARGIN_MS` early; from there, a wake-up that finds nothing due sleeps the thread
 * (Atomics.wait, sub-millisecond) to just before the due time — or not at all with `busyWait` —,
 * spins the rest on performance.now() and delivers in the same callback: no event-loop turn
 * (polling on setImmediate costs ~4 µs a turn, more when other work is queued) sits between the
 * due time and the delivery.
 */
class PreciseTimers {
  private entries: PreciseEntry[] = [];
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private plannedAtMs = Number.POSITIVE_INFINITY;
  /** Inside `wake`: it plans once at its end, however many entries its deliveries add. */
  private waking = false;
  /** What recent sleeps overshot: rises at once with a late sleep, decays slowly with good ones. */
  private overshootMs = MIN_GUARD_MS;

  at(atMs: number, fn: () => void, busyWait: boolean): Timer {
    const entry: PreciseEntry = { atMs, fn, live: true, busyWait };
    // Due times almost always come in order: search from the end.
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.atMs > atMs) i--;
    if (i === this.entries.length) this.entries.push(entry);
    else this.entries.splice(i, 0, entry);
    if (!this.waking && atMs < this.plannedAtMs) this.plan();
    return { cancel: () => void (entry.live = false) };
  }

  private readonly wake = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    this.plannedAtMs = Number.POSITIVE_INFINITY;
    this.waking = true;
    try {
      if (this.runDue() > 0) return;
      // Nothing due yet. Every reaction to earlier deliveries has run (they were microtasks of an
      // earlier callback), so the thread may wait here for the head without holding anyone up —
      // only the emulator's own coarse timers (device pauses, intermediate slices) and I/O, by less
      // than the margin. It sleeps most of the wait (unless busy-waiting): a process that spun
      // through every turnaround would keep a core busy, and a busy machine's scheduler preempts
      // such a process for whole time slices.
      const head = this.head();
      if (!head || head.atMs - performance.now() >= SPIN_MARGIN_MS + 1) return;
      this.waitUntil(head.atMs, head.busyWait);
      this.runDue();
    } finally {
      // After a delivery the side that received the bytes reacts in microtasks that run when this
      // callback returns; the next wait starts in a callback of its own, after them.
      this.waking = false;
      this.plan();
    }
  };

  /** Delivers every live entry due by now, in order; returns how many. */
  private runDue(): number {
    const now = performance.now();
    let k = 0;
    while (k < this.entries.length && this.entries[k]!.atMs <= now) k++;
    if (k === 0) return 0;
    const due = this.entries.splice(0, k);
    let n = 0;
    for (const e of due) {
      if (!e.live) continue;
      n++;
      e.fn();
    }
    return n;
  }

  /**
   * Sleeps to the guard before `atMs` (unless `busyWait`), then spins to it: returns at `atMs` or,
   * rarely (a sleep that overshot the guard, the thread preempted), after.
   */
  private waitUntil(atMs: number, busyWait: boolean): void {
    const guardMs = Math.min(MAX_GUARD_MS, this.overshootMs + MIN_GUARD_MS);
    const sleepMs = atMs - guardMs - performance.now();
    if (!busyWait && sleepMs > 0.05) {
      const t = performance.now();
      Atomics.wait(SLEEP_CELL, 0, 0, sleepMs);
      const over = performance.now() - t - sleepMs;
      this.overshootMs = over > this.overshootMs ? over : this.overshootMs + (over - this.overshootMs) / 64;
    }
    spinUntil(atMs);
  }

  private head(): PreciseEntry | undefined {
    while (this.entries.length > 0 && !this.entries[0]!.live) this.entries.shift();
    return this.entries[0];
  }

  /** Arms the wake-up for the head: a timeout while it is far, else the next event-loop turn. */
  private plan(): void {
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    const head = this.head();
    if (!head) {
      this.plannedAtMs = Number.POSITIVE_INFINITY;
      return;
    }
    this.plannedAtMs = head.atMs;
    const remainingMs = head.atMs - performance.now();
    if (remainingMs - SPIN_MARGIN_MS >= 1) this.timeout = setTimeout(this.wake, remainingMs - SPIN_MARGIN_MS);
    else this.immediate = setImmediate(this.wake);
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
