import { EmulatedBoard, type EmulatedBoardOptions } from '../../src/emulator/board.js';
import { ManualClock, settle, type Timer } from '../../src/util/clock.js';

/**
 * A ManualClock that knows which timers are armed (scheduled, neither fired nor cancelled): a
 * closed board must leave none, or a real clock would keep the process alive until they fire.
 */
export class TimerCountingClock extends ManualClock {
  private readonly armed = new Set<object>();

  get armedTimers(): number {
    return this.armed.size;
  }

  override schedule(ms: number, fn: () => void): Timer {
    const key = {};
    this.armed.add(key);
    const timer = super.schedule(ms, () => {
      this.armed.delete(key);
      fn();
    });
    return {
      cancel: () => {
        this.armed.delete(key);
        timer.cancel();
      },
    };
  }
}

/**
 * Drives an emulated board with raw bytes (board.input / onOutput), never through the host
 * library, so the two cannot share a mistake. Time only moves when a test says so.
 */
export class RawHost {
  readonly board: EmulatedBoard;
  private out: Buffer[] = [];

  constructor(
    options: Omit<EmulatedBoardOptions, 'clock'> = {},
    powerOn = true,
    readonly clock: ManualClock = new ManualClock(),
  ) {
    this.board = new EmulatedBoard({ ...options, clock: this.clock });
    this.board.onOutput((b) => this.out.push(b));
    if (powerOn) this.board.powerOn();
  }

  /** Everything the device sent since the last take. */
  take(): Buffer {
    const b = Buffer.concat(this.out);
    this.out = [];
    return b;
  }

  /** Sends bytes and lets the device react (no time passes). */
  async send(bytes: number[] | Buffer | string): Promise<void> {
    this.board.input(typeof bytes === 'string' ? Buffer.from(bytes.replace(/\s+/g, ''), 'hex') : Buffer.from(bytes));
    await settle();
  }

  /** Sends, lets `ms` of device time pass, and returns what the device answered. */
  async exchange(bytes: number[] | Buffer | string, ms = 0): Promise<Buffer> {
    await this.send(bytes);
    if (ms > 0) await this.clock.advance(ms);
    return this.take();
  }

  async advance(ms: number): Promise<Buffer> {
    await this.clock.advance(ms);
    return this.take();
  }
}

/** Hex of a buffer with spaces, for readable assertions. */
export function hex(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** XOR of bytes. */
export function xorOf(bytes: number[]): number {
  return bytes.reduce((a, b) => a ^ b, 0);
}

/** A Download frame body: OP + 24-bit packet + XOR. */
export function downloadAddress(op: number, packet: number): number[] {
  const a = [op, (packet >> 16) & 0xff, (packet >> 8) & 0xff, packet & 0xff];
  return [...a, xorOf(a)];
}

/** Length N-1 + data + XOR of both. */
export function downloadData(data: Buffer): Buffer {
  const n1 = data.length - 1;
  return Buffer.concat([Buffer.from([n1]), data, Buffer.from([xorOf([n1, ...data])])]);
}

/** A 32-bit big-endian address + XOR. */
export function address(value: number): number[] {
  const a = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return [...a, xorOf(a)];
}

/** Partition id + 32-bit big-endian offset + XOR of the five bytes. */
export function partitionAddress(id: number, offset: number): number[] {
  const a = [id, (offset >>> 24) & 0xff, (offset >>> 16) & 0xff, (offset >>> 8) & 0xff, offset & 0xff];
  return [...a, xorOf(a)];
}
