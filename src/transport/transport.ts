import type { Clock, Deadline } from '../util/clock.js';
import { ByteQueue } from './byte-queue.js';

export type Parity = 'none' | 'even' | 'odd';

/** Serial line settings; AN5275 wants 8 data bits, even parity, 1 stop bit. */
export interface SerialSettings {
  baudRate: number;
  dataBits: 8 | 7;
  parity: Parity;
  stopBits: 1 | 2;
}

export const DEFAULT_SERIAL_SETTINGS: SerialSettings = { baudRate: 115200, dataBits: 8, parity: 'even', stopBits: 1 };

export type Direction = 'tx' | 'rx';

/** Sees every chunk that crosses the transport, in order, as it crosses (recording, trace log). */
export type Tap = (dir: Direction, data: Buffer, atMs: number) => void;

/**
 * The narrow interface the protocol depends on. One adapter per backend: the real serial port
 * (the only module that imports serialport), the in-process emulated board, capture replay.
 */
export interface Transport {
  /** What the user named: a device path, "emulator", "replay:file". */
  readonly name: string;
  readonly clock: Clock;
  readonly settings: SerialSettings;
  open(): Promise<void>;
  /** Sends the bytes as one write (a Download packet must go out without gaps). */
  write(data: Uint8Array): Promise<void>;
  /** Exactly `n` bytes before the deadline, or TimeoutError. */
  read(n: number, deadline: Deadline, what?: string): Promise<Buffer>;
  /** Discards the input received so far and returns it (stale bytes, boot log text). */
  drain(): Buffer;
  /** Bytes received and not yet read. */
  readonly available: number;
  setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void>;
  close(): Promise<void>;
  /** Adds a tap; returns a function that removes it. */
  tap(listener: Tap): () => void;
}

/**
 * Shared plumbing: a ByteQueue for input and the taps. Adapters implement `sendBytes` and call
 * `receive` when bytes arrive.
 */
export abstract class QueueTransport implements Transport {
  protected readonly input: ByteQueue;
  private taps: Tap[] = [];

  constructor(
    readonly name: string,
    readonly clock: Clock,
    readonly settings: SerialSettings = DEFAULT_SERIAL_SETTINGS,
  ) {
    this.input = new ByteQueue(clock);
  }

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  protected abstract sendBytes(data: Buffer): Promise<void>;

  async setSignals(_signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    // Backends without modem lines ignore this.
  }

  async write(data: Uint8Array): Promise<void> {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.emit('tx', buf);
    await this.sendBytes(buf);
  }

  read(n: number, deadline: Deadline, what?: string): Promise<Buffer> {
    return this.input.read(n, deadline, what);
  }

  drain(): Buffer {
    return this.input.clear();
  }

  get available(): number {
    return this.input.length;
  }

  tap(listener: Tap): () => void {
    this.taps.push(listener);
    return () => {
      this.taps = this.taps.filter((t) => t !== listener);
    };
  }

  /** Adapters call this for every chunk received from the device. */
  protected receive(chunk: Buffer): void {
    this.emit('rx', chunk);
    this.input.push(chunk);
  }

  private emit(dir: Direction, data: Buffer): void {
    if (this.taps.length === 0) return;
    const at = this.clock.now();
    for (const t of this.taps) t(dir, data, at);
  }
}
