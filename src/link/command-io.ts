import type { CommandIo } from '../protocol/command-spec.js';
import { checkAck, hex8, replyKind } from '../protocol/frame.js';
import type { Transport } from '../transport/transport.js';
import type { Deadline } from '../util/clock.js';
import type { LinkListener } from './events.js';

/**
 * The runner's CommandIo: every read shares the command's one Deadline (no per-read timeouts to save
 * and restore), every frame is reported decoded for the trace log.
 */
export class TransportCommandIo implements CommandIo {
  constructor(
    private readonly transport: Transport,
    private readonly deadline: Deadline,
    private readonly command: string,
    private readonly emit: LinkListener,
    readonly sendAhead = false,
  ) {}

  get available(): number {
    return this.transport.available;
  }

  async send(frame: Uint8Array, what: string, fields: Record<string, unknown> = {}): Promise<void> {
    // The encoders return fresh Buffers: view them, do not copy 258 bytes per packet.
    const data = Buffer.isBuffer(frame) ? frame : Buffer.from(frame);
    this.emit({ type: 'frame', command: this.command, dir: 'tx', what, data, fields });
    await this.transport.write(data);
  }

  async read(n: number, what: string, fields: Record<string, unknown> = {}): Promise<Buffer> {
    const data = await this.transport.read(n, this.deadline, `${what} (${this.command})`);
    this.emit({ type: 'frame', command: this.command, dir: 'rx', what, data, fields });
    return data;
  }

  async expectAck(what: string): Promise<void> {
    const data = await this.transport.read(1, this.deadline, `the answer to ${what} (${this.command})`);
    const byte = data[0]!;
    this.emit({ type: 'frame', command: this.command, dir: 'rx', what: `answer to ${what}`, data, fields: { answer: replyKind(byte) ?? hex8(byte) } });
    checkAck(byte, what);
  }
}
