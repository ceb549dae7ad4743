import type { LinkError } from '../../src/errors.js';
import { ManualClock, type Clock } from '../../src/util/clock.js';
import { QueueTransport } from '../../src/transport/transport.js';
import type { Logger } from '../../src/util/logger.js';

export interface Step {
  /** What the host must write next, as hex (spaces allowed). */
  tx: string;
  /** What the device answers to it ('' = nothing). */
  rx: string;
}

const clean = (hex: string): string => hex.replace(/\s+/g, '').toLowerCase();

/**
 * A fake device that expects the host's writes in order and answers scripted bytes: the link's
 * bytes are asserted exactly, write by write. `otherwise` answers writes after the script ends.
 */
export class ScriptedTransport extends QueueTransport {
  readonly writes: string[] = [];
  private steps: Step[];

  constructor(
    steps: Step[],
    clock: Clock = new ManualClock(),
    private readonly otherwise?: (txHex: string) => string,
  ) {
    super('scripted', clock);
    this.steps = steps.map((s) => ({ tx: clean(s.tx), rx: clean(s.rx) }));
  }

  get remainingSteps(): number {
    return this.steps.length;
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.input.close();
  }

  /** Bytes the device sends on its own (unsolicited NACK, boot log). */
  inject(hex: string): void {
    this.receive(Buffer.from(clean(hex), 'hex'));
  }

  protected async sendBytes(data: Buffer): Promise<void> {
    const txHex = data.toString('hex');
    this.writes.push(txHex);
    const step = this.steps.shift();
    let rx: string;
    if (step) {
      if (step.tx !== txHex) throw new Error(`scripted device expected ${step.tx}, host wrote ${txHex} (write #${this.writes.length})`);
      rx = step.rx;
    } else if (this.otherwise) {
      rx = clean(this.otherwise(txHex));
    } else {
      throw new Error(`scripted device: unexpected write ${txHex} after the script ended`);
    }
    if (rx) queueMicrotask(() => this.receive(Buffer.from(rx, 'hex')));
  }
}

/** Runs `p` while moving the manual clock forward, so deadlines and sync waits elapse without sleeping. */
export async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 10, maxMs = 120_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let t = 0; t < maxMs && !done; t += stepMs) await clock.advance(stepMs);
  return p;
}

/** A logger that keeps every line (level, fields, message). */
export function memoryLogger(lines: { level: string; obj: Record<string, unknown>; msg: string }[] = []): Logger & { lines: typeof lines } {
  const at =
    (level: string) =>
    (a: string | Record<string, unknown>, b?: string): void =>
      void lines.push(typeof a === 'string' ? { level, obj: {}, msg: a } : { level, obj: a, msg: b ?? '' });
  const logger = {
    lines,
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    isLevelEnabled: () => true,
    child: () => logger,
  };
  return logger as Logger & { lines: typeof lines };
}

/** The error `p` fails with (a test failure if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<LinkError> {
  try {
    await p;
  } catch (err) {
    return err as LinkError;
  }
  throw new Error('expected a failure, got success');
}
