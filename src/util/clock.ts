/**
 * Time, injectable: the host link and the emulated board both take a Clock, so tests can run the
 * device's 30 ms windows on a virtual clock and the real tool runs on the wall clock.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  /** Calls `fn` after `ms`; the returned timer cancels it. */
  schedule(ms: number, fn: () => void): Timer;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  schedule(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A virtual clock: time only moves when `advance` is called, and due timers fire in order.
 * Used by tests to hit the device's timing windows exactly, without sleeping.
 */
export class ManualClock implements Clock {
  private nowMs = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.nowMs;
  }

  schedule(ms: number, fn: () => void): Timer {
    const entry = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(entry);
    return { cancel: () => void (entry.live = false) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, resolve));
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      await settle();
      const due = this.timers
        .filter((t) => t.live && t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      this.timers = this.timers.filter((t) => t.live);
      this.nowMs = Math.max(this.nowMs, due.at);
      due.fn();
    }
    this.nowMs = target;
    await settle();
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A point in time on a clock; passed down through a whole command (no saved/restored timeouts). */
export class Deadline {
  constructor(
    readonly clock: Clock,
    readonly atMs: number,
  ) {}

  static after(clock: Clock, ms: number): Deadline {
    return new Deadline(clock, clock.now() + ms);
  }

  remainingMs(): number {
    return Math.max(0, this.atMs - this.clock.now());
  }

  expired(): boolean {
    return this.clock.now() >= this.atMs;
  }

  /** The earlier of this deadline and `ms` from now. */
  within(ms: number): Deadline {
    return new Deadline(this.clock, Math.min(this.atMs, this.clock.now() + ms));
  }
}
