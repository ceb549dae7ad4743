import { TimeoutError } from '../../src/errors.js';
import type { CommandIo } from '../../src/protocol/command-spec.js';
import { checkAck } from '../../src/protocol/frame.js';

/**
 * A CommandIo that plays a device's answer from a hex string and records what the command sent, so
 * each command's exchange is checked against the byte strings of the spec.
 */
export class ScriptIo implements CommandIo {
  readonly sent: Buffer[] = [];
  /** Every send and read in order: `tx:<hex>` and `rx:<hex>`, to check what went before which answer. */
  readonly order: string[] = [];
  private answer: Buffer;
  /**
   * `availableAfterSends`: bytes count as "already received" for `available` after that many sends
   * (Download's early NACK). `sendAhead`: what the link passes (absent = lock-step).
   */
  constructor(
    answerHex: string,
    private readonly availableAfterSends = Infinity,
    readonly sendAhead?: boolean,
  ) {
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
    this.order.push(`tx:${Buffer.from(frame).toString('hex')}`);
  }

  async read(n: number, what: string): Promise<Buffer> {
    if (this.answer.length < n) throw new TimeoutError(`script ran out reading ${what}`, this.answer);
    const out = this.answer.subarray(0, n);
    this.answer = this.answer.subarray(n);
    this.order.push(`rx:${out.toString('hex')}`);
    return out;
  }

  async expectAck(what: string): Promise<void> {
    const [b] = await this.read(1, what);
    checkAck(b!, what);
  }
}
