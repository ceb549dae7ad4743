import { InputError } from '../errors.js';

/**
 * Faults the emulated board injects on demand, for tests and demos. "n-th" counts from 1 over the
 * board's whole life (across stages and resets):
 * - bytes: every byte the device receives (rx, host → device) or sends (tx), in order;
 * - commands: every command frame a device loop accepts (a known command with a good complement;
 *   0x7F INIT bytes are not commands), whatever the stage;
 * - Download packets: every Download packet the device took and ACKed.
 */
export type Fault =
  | { kind: 'drop-rx' | 'drop-tx'; n: number }
  | { kind: 'corrupt-rx' | 'corrupt-tx'; n: number; mask: number }
  /** The device answers NACK (after its 3 ms pause) instead of ACK to the n-th command. */
  | { kind: 'nack-cmd'; n: number }
  /** The n-th command reads its arguments as usual, then answers ABORT instead of doing its work. */
  | { kind: 'abort-cmd'; n: number }
  /** The device waits `ms` before its first answer byte to the n-th command. */
  | { kind: 'stall'; n: number; ms: number }
  /** The device sends `bytes` before its first answer byte to the n-th command. */
  | { kind: 'junk'; n: number; bytes: Buffer }
  /** U-Boot prints this boot log before its loop's unsolicited NACK (default text when empty). */
  | { kind: 'boot-log'; text?: string }
  /** The board resets right after ACKing the n-th Download packet (a watchdog in mid-transfer). */
  | { kind: 'reset-after-packet'; n: number }
  /** Start 0xF2 answers ACK but programs nothing (read-back mismatch). */
  | { kind: 'otp-no-program' }
  /** OTP word `word` reads back with bit `bit` flipped (the fuses themselves are unchanged). */
  | { kind: 'otp-flip'; word: number; bit: number }
  /**
   * The stage hangs when it is started (a jump to a broken image, DDR init that never ends): no
   * unsolicited NACK, no answer to anything, until the board resets or closes.
   */
  | { kind: 'silent-stage'; stage: SilentStage };

/** The stages silent-stage can hang: the ROM code always answers. */
export const SILENT_STAGES = ['tf-a', 'u-boot'] as const;
export type SilentStage = (typeof SILENT_STAGES)[number];

export type FaultPlan = Fault[];

/** The CLI syntax, shown by `emulate --help`. */
export const FAULT_PLAN_HELP = `Fault plan: comma-separated items, "n" counts from 1.
  drop-rx:N            drop the N-th byte the board receives
  drop-tx:N            drop the N-th byte the board sends
  corrupt-rx:N[:MASK]  XOR the N-th received byte with MASK (default 0xFF)
  corrupt-tx:N[:MASK]  XOR the N-th sent byte with MASK (default 0xFF)
  nack-cmd:N           answer NACK to the N-th command (0x7F syncs are not commands)
  abort-cmd:N          read the N-th command's arguments, then answer ABORT
  stall:N:MS           wait MS milliseconds before answering the N-th command
  junk:N[:HEX]         send HEX bytes (default a55a) before answering the N-th command
  boot-log[:TEXT]      print U-Boot boot log text before the loop's unsolicited NACK
  reset-after:N        reset the board right after ACKing the N-th Download packet
  otp-no-program       Start 0xF2 answers ACK but programs nothing
  otp-flip:WORD[:BIT]  OTP word WORD reads back with BIT (default 0) flipped
  silent-stage:STAGE   STAGE (tf-a or u-boot) hangs when started: never answers
Example: nack-cmd:3,drop-rx:120,stall:2:500,otp-no-program`;

function bad(item: string, why: string): InputError {
  return new InputError('USAGE', `bad fault "${item}": ${why}\n${FAULT_PLAN_HELP}`, { details: { fault: item } });
}

function int(item: string, text: string | undefined, what: string, min: number): number {
  if (text === undefined || text === '') throw bad(item, `${what} is missing`);
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw bad(item, `${what} must be an integer ≥ ${min}, not "${text}"`);
  return n;
}

/** Parses the CLI syntax (see FAULT_PLAN_HELP); throws InputError USAGE on a bad item. */
export function parseFaultPlan(text: string): FaultPlan {
  const plan: FaultPlan = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [kind, a, b, ...rest] = item.split(':');
    const tooMany = (max: number): void => {
      if ([a, b, ...rest].filter((x) => x !== undefined).length > max) throw bad(item, 'too many fields');
    };
    switch (kind) {
      case 'drop-rx':
      case 'drop-tx':
      case 'nack-cmd':
      case 'abort-cmd':
        tooMany(1);
        plan.push({ kind, n: int(item, a, 'N', 1) });
        break;
      case 'corrupt-rx':
      case 'corrupt-tx': {
        tooMany(2);
        const mask = b === undefined ? 0xff : int(item, b, 'MASK', 1);
        if (mask > 0xff) throw bad(item, 'MASK must be 1..0xFF');
        plan.push({ kind, n: int(item, a, 'N', 1), mask });
        break;
      }
      case 'stall':
        tooMany(2);
        plan.push({ kind, n: int(item, a, 'N', 1), ms: int(item, b, 'MS', 0) });
        break;
      case 'junk': {
        tooMany(2);
        const hex = b ?? 'a55a';
        if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw bad(item, `HEX must be pairs of hex digits, not "${hex}"`);
        plan.push({ kind, n: int(item, a, 'N', 1), bytes: Buffer.from(hex, 'hex') });
        break;
      }
      case 'boot-log':
        // The text may itself contain ':'; everything after the first one is the text.
        plan.push({ kind, text: item.includes(':') ? item.slice(item.indexOf(':') + 1) : undefined });
        break;
      case 'reset-after':
        tooMany(1);
        plan.push({ kind: 'reset-after-packet', n: int(item, a, 'N', 1) });
        break;
      case 'otp-no-program':
        tooMany(0);
        plan.push({ kind });
        break;
      case 'otp-flip': {
        tooMany(2);
        const bit = b === undefined ? 0 : int(item, b, 'BIT', 0);
        if (bit > 31) throw bad(item, 'BIT must be 0..31');
        plan.push({ kind, word: int(item, a, 'WORD', 0), bit });
        break;
      }
      case 'silent-stage': {
        tooMany(1);
        if (!(SILENT_STAGES as readonly (string | undefined)[]).includes(a)) throw bad(item, `STAGE must be ${SILENT_STAGES.join(' or ')}`);
        plan.push({ kind, stage: a as SilentStage });
        break;
      }
      default:
        throw bad(item, `unknown fault kind "${kind}"`);
    }
  }
  return plan;
}

/** What the device must do about the command it just accepted. */
export interface CommandFaults {
  nack: boolean;
  abort: boolean;
  stallMs: number;
  junk: Buffer | undefined;
}

/**
 * Applies a plan: counts bytes, commands and packets, and tells the device what to do. One per
 * board; `fired` lists what was injected, for the board's log.
 */
export class FaultInjector {
  private rxCount = 0;
  private txCount = 0;
  private commandCount = 0;
  private packetCount = 0;

  constructor(
    readonly plan: FaultPlan,
    private readonly onFire: (what: string) => void = () => {},
  ) {}

  get bootLog(): string | undefined {
    const f = this.plan.find((x): x is Extract<Fault, { kind: 'boot-log' }> => x.kind === 'boot-log');
    return f ? (f.text ?? '') : undefined;
  }

  get otpNoProgram(): boolean {
    return this.plan.some((f) => f.kind === 'otp-no-program');
  }

  /** True when `stage` must hang instead of running (silent-stage). */
  silent(stage: string): boolean {
    const hit = this.plan.some((f) => f.kind === 'silent-stage' && f.stage === stage);
    if (hit) this.onFire(`silent-stage: ${stage} hangs`);
    return hit;
  }

  /** XOR masks to apply to OTP values on read, by word. */
  otpFlips(): Map<number, number> {
    const flips = new Map<number, number>();
    for (const f of this.plan) if (f.kind === 'otp-flip') flips.set(f.word, (flips.get(f.word) ?? 0) ^ (1 << f.bit));
    return flips;
  }

  /** Bytes the host sent, after drop/corrupt faults. */
  rx(bytes: Buffer): Buffer {
    const start = this.rxCount;
    this.rxCount += bytes.length;
    return this.bytes(bytes, start, 'rx');
  }

  /** Bytes the device sends, after drop/corrupt faults. */
  tx(bytes: Buffer): Buffer {
    const start = this.txCount;
    this.txCount += bytes.length;
    return this.bytes(bytes, start, 'tx');
  }

  /** Called once per accepted command frame. */
  command(): CommandFaults {
    const n = ++this.commandCount;
    const out: CommandFaults = { nack: false, abort: false, stallMs: 0, junk: undefined };
    for (const f of this.plan) {
      if (!('n' in f) || f.n !== n) continue;
      if (f.kind === 'nack-cmd') out.nack = true;
      else if (f.kind === 'abort-cmd') out.abort = true;
      else if (f.kind === 'stall') out.stallMs += f.ms;
      else if (f.kind === 'junk') out.junk = out.junk ? Buffer.concat([out.junk, f.bytes]) : f.bytes;
      else continue;
      this.onFire(`${f.kind} on command ${n}`);
    }
    return out;
  }

  /** Called once per Download packet whose address was ACKed; true = reset the board now. */
  packet(): boolean {
    const n = ++this.packetCount;
    const hit = this.plan.some((f) => f.kind === 'reset-after-packet' && f.n === n);
    if (hit) this.onFire(`reset after Download packet ${n}`);
    return hit;
  }

  private bytes(bytes: Buffer, start: number, dir: 'rx' | 'tx'): Buffer {
    let out: Buffer | undefined;
    const drops: number[] = [];
    for (const f of this.plan) {
      if (!('n' in f)) continue;
      const i = f.n - 1 - start;
      if (i < 0 || i >= bytes.length) continue;
      if (f.kind === `corrupt-${dir}` && 'mask' in f) {
        out ??= Buffer.from(bytes);
        out[i] = out[i]! ^ f.mask;
        this.onFire(`corrupt ${dir} byte ${f.n}`);
      } else if (f.kind === `drop-${dir}`) {
        drops.push(i);
        this.onFire(`drop ${dir} byte ${f.n}`);
      }
    }
    const src = out ?? bytes;
    if (drops.length === 0) return src;
    return Buffer.from(src.filter((_, i) => !drops.includes(i)));
  }
}
