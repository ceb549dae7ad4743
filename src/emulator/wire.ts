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
 * A real-time UART wire (issue 10): each chunk is delivered when its last byte has crossed the
 * line, bytes back-to-back after whatever is still on the line in the same direction, plus
 * `latencyMs` when the chunk goes the other way from the previous one. The same model serves both
 * directions. One timer per direction at a time, whatever the chunk sizes: the cost is per chunk,
 * not per byte.
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
    const atMs = start + this.bytesMs(bytes.length);
    line.freeAtMs = atMs;
    line.queue.push({ atMs, bytes });
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
