import { TimeoutError } from '../errors.js';
import { ByteQueue } from '../transport/byte-queue.js';
import { Deadline, type Clock, type Timer } from '../util/clock.js';

/** Thrown inside a device program when the board resets or closes: the program just ends. */
export class StopSignal extends Error {
  constructor() {
    super('device program stopped');
  }
}

/**
 * The clock the device's receive FIFO waits on: the board's clock, except that an infinite wait
 * arms no timer (a device blocked in `getc` must not keep the process alive, nor fire at once as
 * setTimeout(Infinity) would).
 */
function foreverSafe(clock: Clock): Clock {
  return {
    now: () => clock.now(),
    schedule: (ms, fn) => (Number.isFinite(ms) ? clock.schedule(ms, fn) : { cancel: () => {} }),
    sleep: (ms) => clock.sleep(ms),
  };
}

/**
 * The device side of the UART, as the firmware sees it: a receive FIFO (the shared ByteQueue), a
 * blocking getc, reads with a timeout, `result` = drain then send (U-Boot
 * `stm32prog_serial_result`, TF-A `uart_send_result`), and pauses on the board's clock.
 * One per power cycle; `stop` ends whatever the program was waiting for and cancels its timers, so
 * a closed or reset board leaves nothing armed on the clock (a stalled device must not keep the
 * host process alive after the host gave up on it).
 */
export class DeviceUart {
  private readonly rx: ByteQueue;
  private stopped = false;
  private readonly forever: Deadline;
  /** Pauses in progress: their timers, and how to end them early on `stop`. */
  private readonly pauses = new Set<{ timer: Timer; abort: () => void }>();

  constructor(
    private readonly clock: Clock,
    private readonly send: (bytes: Buffer) => void,
  ) {
    this.rx = new ByteQueue(foreverSafe(clock));
    this.forever = new Deadline(clock, Number.POSITIVE_INFINITY);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Bytes off the wire into the FIFO. */
  push(bytes: Buffer): void {
    this.rx.push(bytes);
  }

  stop(): void {
    this.stopped = true;
    this.rx.close(new StopSignal());
    for (const pause of this.pauses) {
      pause.timer.cancel();
      pause.abort();
    }
    this.pauses.clear();
  }

  /** Waits as long as it takes for one byte (U-Boot `stm32prog_serial_getc`). */
  async getc(): Promise<number> {
    const b = await this.rx.read(1, this.forever);
    return b[0]!;
  }

  /** Exactly `n` bytes, waiting as long as it takes. */
  async read(n: number): Promise<Buffer> {
    return this.rx.read(n, this.forever);
  }

  /** One byte within `ms`, else undefined (TF-A `uart_read_8`). */
  async getcWithin(ms: number): Promise<number | undefined> {
    const b = await this.readWithin(1, ms);
    return b?.[0];
  }

  /** Exactly `n` bytes within `ms` of now, else undefined (what did arrive is consumed). */
  async readWithin(n: number, ms: number): Promise<Buffer | undefined> {
    try {
      return await this.rx.read(n, Deadline.after(this.clock, ms));
    } catch (err) {
      if (err instanceof TimeoutError && !this.stopped) return undefined;
      throw err;
    }
  }

  /**
   * `n` bytes where each must follow the previous one within `gapMs` (TF-A's per-byte timeout).
   * Reads whatever is already there in one go, so the cost is per chunk, not per byte.
   */
  async readWithGaps(n: number, gapMs: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.readWithin(Math.min(n - got, Math.max(1, this.rx.length)), gapMs);
      if (!part) return undefined;
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * A hung program (the silent-stage fault): what arrives is read and lost, nothing is sent, and no
   * timer is armed. Ends only with `stop` (StopSignal).
   */
  async ignoreEverything(): Promise<never> {
    for (;;) await this.read(Math.max(1, this.rx.length));
  }

  /** Discards the FIFO (U-Boot `stm32prog_serial_flush`). */
  drain(): Buffer {
    return this.rx.clear();
  }

  /** Sends bytes as they are (U-Boot `stm32prog_serial_putc`, no drain). */
  put(bytes: Uint8Array | readonly number[]): void {
    if (this.stopped) throw new StopSignal();
    this.send(Buffer.from(bytes as Uint8Array));
  }

  /** Drains the FIFO, then sends the result byte. */
  result(byte: number): void {
    this.drain();
    if (this.stopped) throw new StopSignal();
    // The answer the other side waits for: one fresh byte, no array built to copy it from.
    const out = Buffer.allocUnsafe(1);
    out[0] = byte;
    this.send(out);
  }

  /** A device delay (`mdelay`) on the board's clock; `stop` cancels its timer and ends it with StopSignal. */
  async pause(ms: number): Promise<void> {
    if (this.stopped) throw new StopSignal();
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const entry = {
        timer: this.clock.schedule(ms, () => {
          this.pauses.delete(entry);
          resolve();
        }),
        abort: () => reject(new StopSignal()),
      };
      this.pauses.add(entry);
    });
  }
}
