import { TimeoutError } from '../../src/errors.js';
import type { CommandIo } from '../../src/protocol/command-spec.js';
import { checkAck } from '../../src/protocol/frame.js';

/**
 * A CommandIo that plays a device's answer from a hex string and records what the command sent, so
 * each command's exchange is checked against the byte strings of the spec.
 */
export class ScriptIo implements CommandIo {
  readonly sent: Buffer[] = [];
  private answer: Buffer;
  /** Bytes that count as "already received" for `available` (Download's early NACK). */
  constructor(answerHex: string, private readonly availableAfterSends = Infinity) {
    this.answer = Buffer.from(answerHex.replace(/\s+/g, ''), 'hex');
  }

  get sentHex(): string {
    return this.sent.map((b) => b.toString('hex')).join(' ');
  }

  get remainingHex(): string {
    return this.answer.toString('hex');
  }

  get available(): number {
    return this.sent.length >= this.availableAfterSends ? this.answer.length : 0;
  }

  async send(frame: Uint8Array): Promise<void> {
    this.sent.push(Buffer.from(frame));
  }

  async read(n: number, what: string): Promise<Buffer> {
    if (this.answer.length < n) throw new TimeoutError(`script ran out reading ${what}`, this.answer);
    const out = this.answer.subarray(0, n);
    this.answer = this.answer.subarray(n);
    return out;
  }

  async expectAck(what: string): Promise<void> {
    const [b] = await this.read(1, what);
    checkAck(b!, what);
  }
}
