import type { Clock, Timer } from '../util/clock.js';

/** One byte at 8E1: start + 8 data + parity + stop. */
export const BITS_PER_BYTE = 11;

export interface WireOptions {
  baud: number;
  /** Added once whenever the direction of traffic changes (USB adapter turnaround). */
  latencyMs: number;
}

export type WireDirection = 'to-device' | 'to-host';

interface Pending {
  atMs: number;
  bytes: Buffer;
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
 */
export class Wire {
  private readonly byteMs: number;
  private lastDirection: WireDirection | undefined;
  private readonly lines: Record<WireDirection, { freeAtMs: number; queue: Pending[]; timer: Timer | undefined }> = {
    'to-device': { freeAtMs: 0, queue: [], timer: undefined },
    'to-host': { freeAtMs: 0, queue: [], timer: undefined },
  };

  constructor(
    private readonly clock: Clock,
    readonly options: WireOptions,
    private readonly deliver: (direction: WireDirection, bytes: Buffer) => void,
  ) {
    this.byteMs = (BITS_PER_BYTE * 1000) / options.baud;
  }

  /** Milliseconds `n` bytes occupy the line. */
  bytesMs(n: number): number {
    return n * this.byteMs;
  }

  send(direction: WireDirection, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const line = this.lines[direction];
    const now = this.clock.now();
    let start = Math.max(now, line.freeAtMs);
    if (this.lastDirection !== undefined && this.lastDirection !== direction) start += this.options.latencyMs;
    this.lastDirection = direction;
    const sliceBytes = Math.max(1, Math.floor(WIRE_SLICE_MS / this.byteMs));
    for (let i = 0; i < bytes.length; i += sliceBytes) {
      const slice = bytes.subarray(i, Math.min(bytes.length, i + sliceBytes));
      line.queue.push({ atMs: start + this.bytesMs(i + slice.length), bytes: slice });
    }
    line.freeAtMs = start + this.bytesMs(bytes.length);
    if (!line.timer) this.arm(direction);
  }

  /** Drops everything still on the wire (board closed). */
  cancel(): void {
    for (const line of Object.values(this.lines)) {
      line.timer?.cancel();
      line.timer = undefined;
      line.queue = [];
    }
  }

  private arm(direction: WireDirection): void {
    const line = this.lines[direction];
    const head = line.queue[0];
    if (!head) {
      line.timer = undefined;
      return;
    }
    line.timer = this.clock.schedule(head.atMs - this.clock.now(), () => {
      const item = line.queue.shift();
      this.arm(direction);
      if (item) this.deliver(direction, item.bytes);
    });
  }
}
