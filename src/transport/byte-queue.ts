import { LinkError, TimeoutError } from '../errors.js';
import type { Clock, Deadline, Timer } from '../util/clock.js';

/** What a read or a drain of nothing returns: zero bytes, nothing anyone could write to. */
const EMPTY = Buffer.alloc(0);

interface PendingRead {
  n: number;
  resolve: (data: Buffer) => void;
  reject: (err: Error) => void;
  timer: Timer | undefined;
}

/**
 * The one "read exactly n bytes before a deadline" primitive, shared by every transport and by the
 * emulated board's receiver. Chunks are kept as they arrived and only joined when a read takes
 * them, so a 256-byte packet costs one copy, not one per byte. No polling: a read waits on a
 * promise settled by `push` or by the deadline's timer.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  private size = 0;
  private pending: PendingRead | undefined;
  private closedWith: Error | undefined;

  constructor(private readonly clock: Clock) {}

  get length(): number {
    return this.size;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.closedWith) return;
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.size += chunk.length;
    const p = this.pending;
    if (p && this.size >= p.n) {
      this.pending = undefined;
      p.timer?.cancel();
      p.resolve(this.take(p.n));
    }
  }

  /** Resolves with exactly `n` bytes, or rejects with TimeoutError (carrying what did arrive). */
  read(n: number, deadline: Deadline, what = `${n} byte(s)`): Promise<Buffer> {
    if (this.pending) return Promise.reject(new Error('ByteQueue: one read at a time'));
    if (this.size >= n) return Promise.resolve(this.take(n));
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<Buffer>((resolve, reject) => {
      const p: PendingRead = { n, resolve, reject, timer: undefined };
      this.pending = p;
      const remaining = deadline.remainingMs();
      const expire = (): void => {
        if (this.pending !== p) return;
        this.pending = undefined;
        const partial = this.take(this.size);
        reject(new TimeoutError(`no answer: waited ${Math.round(remaining)} ms for ${what}, got ${partial.length}`, partial));
      };
      if (remaining <= 0) expire();
      else p.timer = this.clock.schedule(remaining, expire);
    });
  }

  /** Removes and returns everything received so far (the device's and the host's "drain"). */
  clear(): Buffer {
    return this.take(this.size);
  }

  /** Rejects the pending read and every later one (port closed or lost). */
  close(err: Error = new LinkError('PORT_CLOSED', 'the port was closed')): void {
    this.closedWith = err;
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      p.timer?.cancel();
      if (this.size >= p.n) p.resolve(this.take(p.n));
      else p.reject(err);
    }
  }

  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.chunks[0]!;
    // Fast path: the whole read sits in the first chunk.
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.size -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const take = Math.min(n - filled, c.length - this.head);
      c.copy(out, filled, this.head, this.head + take);
      filled += take;
      this.head += take;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.size -= n;
    return out;
  }
}
