import { QueueTransport } from '../transport/transport.js';
import type { EmulatedBoard } from './board.js';

/**
 * The host side of an in-process emulated board: the same Transport the serial port implements, so
 * `--port emulator` and tests run the real host code with no OS device. Opening it powers the board
 * on; closing it only unplugs the cable (the board keeps its state until `board.close()`).
 */
export class EmulatorTransport extends QueueTransport {
  private unlisten: (() => void) | undefined;

  constructor(readonly board: EmulatedBoard) {
    super('emulator', board.clock);
  }

  async open(): Promise<void> {
    if (this.unlisten) return;
    this.unlisten = this.board.onOutput((bytes) => this.receive(bytes));
    this.board.powerOn();
  }

  async close(): Promise<void> {
    this.unlisten?.();
    this.unlisten = undefined;
  }

  protected async sendBytes(data: Buffer): Promise<void> {
    this.board.input(data);
  }
}
