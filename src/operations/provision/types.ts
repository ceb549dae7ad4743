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
export type BoardStage = 'queued' | 'opening' | 'booting' | 'reading' | 'planned' | 'waiting' | 'reserving' | 'writing' | 'verifying' | 'done' | 'failed';

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
  /** The pool address: the board's own (reused), or the next free one (a preview until reserved). */
  mac?: { address: string; reused: boolean };
  values: ResolvedValue[];
  otp: OtpWritePlan;
}


export interface BoardResult {
  port: string;
  uid: string | null;
  soc?: SocFamily;
  result: 'ok' | 'nothing-to-do' | 'dry-run' | 'failed' | 'cancelled';
  words: WordRecord[];
  pool?: { mac: string; reused: boolean; state: MacAddressState | 'preview' };
  values: ResolvedValue[];
  error?: { code: string; message: string; exitCode: ExitCode };
  /** Milliseconds per step. */
  timings: { openMs?: number; bootMs?: number; readMs?: number; writeMs?: number; totalMs: number };
}

export type ProvisionEvent =
  | { type: 'stage'; port: string; stage: BoardStage; uid?: string }
  /** Within a stage: e.g. boot bytes, OTP read bytes, write packets. */
  | { type: 'progress'; port: string; stage: BoardStage; done: number; total: number; what: string }
  | { type: 'planned'; port: string; plan: BoardPlan }
  /** The pool address is recorded in the state file for this board (before anything is written). */
  | { type: 'reserved'; port: string; uid: string; mac: string; reused: boolean }
  | { type: 'result'; port: string; result: BoardResult };

export interface ProvisionOptions {
  plan: ProvisionPlan;
  targets: ProvisionTarget[];
  /** A FlashLayout.tsv: boot each board to U-Boot first. */
  boot?: string;
  dryRun?: boolean;
  /** The run is confirmed (no question). */
  yes?: boolean;
  /** Allow writes that can brick a board. */
  force?: boolean;
  /** Asked once for the whole run with every board's plan; resolve false to cancel. Required unless `yes` or `dryRun`. */
  confirm?: (plans: BoardPlan[]) => Promise<boolean>;
  /** The audit log (JSON Lines); default `provision-audit.jsonl` next to the plan; false: none. */
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
  /** The audit log written, if any. */
  auditLog?: string;
}
