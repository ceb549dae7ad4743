import type { ExitCode } from '../../errors.js';
import type { SocFamily } from '../../protocol/constants.js';
import type { Logger } from '../../util/logger.js';
import type { BoardSession, OpenBoardOptions } from '../open-board.js';
import type { OtpWritePlan } from '../otp-write.js';
import type { LockOptions } from './file-lock.js';
import type { MacAddressState } from './mac-pool.js';
import type { ProvisionPlan } from './plan.js';
import type { ResolvedValue } from './resolve.js';
import type { WordRecord } from '../otp-write.js';

export type { WordRecord };

/** Where a board is in its run, as the live table shows it. */
export type BoardStage = 'queued' | 'opening' | 'booting' | 'reading' | 'planned' | 'writing' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface ProvisionTarget {
  port: string;
  /** How to open this board (the port comes from `port`): serial settings, emulator fuses/faults... */
  open?: Omit<OpenBoardOptions, 'port'>;
  /** Opens the session instead of `openBoard({ ...open, port })` (e.g. to keep the emulated board). */
  openSession?: () => Promise<BoardSession>;
}

/** One board's plan, shown before the run's single confirmation. */
export interface BoardPlan {
  port: string;
  uid: string;
  soc: SocFamily;
  /**
   * The pool address: the board's own (reused), or the next free one in --port order. `reserved`:
   * recorded for this board in the pool state (a real run does it before its confirmation, so the
   * address shown is the one burnt); false on a dry run, which reserves nothing.
   */
  mac?: { address: string; reused: boolean; reserved: boolean };
  values: ResolvedValue[];
  otp: OtpWritePlan;
}

/**
 * One word of a board's result. `requested` is null, and `after` too, for a board refused before its
 * plan could be made (CSV row missing, codec refusal, MAC already set): `before` is what was read.
 */
export type BoardWordRecord = Omit<WordRecord, 'requested'> & { requested: WordRecord['requested'] | null };

export interface BoardResult {
  port: string;
  uid: string | null;
  soc?: SocFamily;
  result: 'ok' | 'nothing-to-do' | 'dry-run' | 'failed' | 'cancelled';
  words: BoardWordRecord[];
  /** The board's pool address and its state in the pool ('preview' on a dry run: not reserved). */
  pool?: { mac: string; reused: boolean; state: MacAddressState | 'preview' };
  values: ResolvedValue[];
  error?: { code: string; message: string; exitCode: ExitCode };
  /** What went wrong around a board that did not fail for it (e.g. the pool could not be marked). */
  warnings?: string[];
  /** Milliseconds per step. */
  timings: { openMs?: number; bootMs?: number; readMs?: number; writeMs?: number; totalMs: number };
}

export type ProvisionEvent =
  | { type: 'stage'; port: string; stage: BoardStage; uid?: string }
  /** Within a stage: e.g. boot bytes, OTP read bytes, write packets. */
  | { type: 'progress'; port: string; stage: BoardStage; done: number; total: number; what: string }
  | { type: 'planned'; port: string; plan: BoardPlan }
  /** The pool address is recorded in the state file for this board (before the confirmation and before anything is written). */
  | { type: 'reserved'; port: string; uid: string; mac: string; reused: boolean }
  | { type: 'result'; port: string; result: BoardResult };

export interface ProvisionOptions {
  plan: ProvisionPlan;
  targets: ProvisionTarget[];
  /** A FlashLayout.tsv: boot each board to U-Boot first (its files are read and checked before any board is opened). */
  boot?: string;
  dryRun?: boolean;
  /** The run is confirmed (no question). */
  yes?: boolean;
  /** Allow writes that can brick a board. */
  force?: boolean;
  /** Asked once for the whole run with every board's plan; resolve false to cancel. Required unless `yes` or `dryRun`. */
  confirm?: (plans: BoardPlan[]) => Promise<boolean>;
  /** The audit log (JSON Lines); default `provision-audit.jsonl` next to the plan; false: none. Checked writable before any board is opened. */
  auditLog?: string | false;
  logger?: Logger;
  onEvent?: (e: ProvisionEvent) => void;
  /** How long to wait for the MAC pool's lock. */
  poolLock?: LockOptions;
}

export interface ProvisionResult {
  /** In the order of `targets`. */
  boards: BoardResult[];
  ok: boolean;
  /** 0 when every board succeeded; otherwise the most severe failure's (3 verify > 1 link > 2 input > 4 cancelled). */
  exitCode: ExitCode;
  /** The audit log, when at least one line was appended to it. */
  auditLog?: string;
}
