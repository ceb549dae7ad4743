import { join } from 'node:path';
import { CancelledError, ExitCode } from '../../errors.js';
import { BoardRun } from './board-run.js';
import { MacPool, type MacPoolState } from './mac-pool.js';
import type { BoardPlan, BoardResult, ProvisionOptions, ProvisionResult } from './types.js';

/** The default audit log: next to the plan, so a plan's folder keeps the record of its boards. */
export const DEFAULT_AUDIT_LOG = 'provision-audit.jsonl';

/** Failure severity for the run's exit code: a board with unverified fuses first, then link, input, cancelled. */
const SEVERITY: readonly ExitCode[] = [ExitCode.VERIFY, ExitCode.LINK, ExitCode.INPUT, ExitCode.CANCELLED];

/** 0 when every board succeeded, else the most severe failure's exit code (SEVERITY order). */
export function runExitCode(boards: readonly BoardResult[]): ExitCode {
  const codes = boards.filter((b) => b.result === 'failed' || b.result === 'cancelled').map((b) => b.error?.exitCode ?? ExitCode.CANCELLED);
  if (codes.length === 0) return ExitCode.OK;
  return SEVERITY.find((c) => codes.includes(c)) ?? ExitCode.LINK;
}

/**
 * Provisions every target board with the plan, in parallel, one link each:
 * 1. each board: open, boot if asked, read UID and OTP (failures end that board only);
 * 2. each board, in target order: resolve the plan (pool address previewed, CSV row by UID), codec
 *    refusals, brick risks;
 * 3. a dry run stops here; otherwise one confirmation for the whole run (`yes` or `confirm`);
 * 4. each board: reserve its pool address, write + verify (writeOtp), mark the address, audit line.
 * Throws only before any board is opened (CancelledError NO_CONFIRMATION) or when the pool state
 * cannot be read; every board's own failure is in its result.
 */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  if (!options.dryRun && !options.yes && !options.confirm) {
    throw new CancelledError('NO_CONFIRMATION', 'refused: provisioning burns OTP fuses and needs a confirmation, and none can be asked here (no TTY). Review it with --dry-run, then add --yes.');
  }
  const auditLog = options.auditLog === false ? undefined : (options.auditLog ?? join(options.plan.baseDir, DEFAULT_AUDIT_LOG));
  const opts: ProvisionOptions = { ...options, auditLog: auditLog ?? false };
  const pool = options.plan.macPool ? new MacPool(options.plan.macPool, options.poolLock) : undefined;
  const runs = options.targets.map((t) => new BoardRun(t, opts, pool));
  for (const r of runs) options.onEvent?.({ type: 'stage', port: r.port, stage: 'queued' });
  const failed = new Set<BoardRun>();
  const fail = async (r: BoardRun, err: unknown): Promise<void> => {
    failed.add(r);
    await r.fail(err);
  };

  await Promise.all(runs.map((r) => r.prepare().catch((err) => fail(r, err))));

  let poolState: MacPoolState | undefined;
  try {
    poolState = pool ? await pool.read() : undefined;
  } catch (err) {
    await Promise.all(runs.filter((r) => !failed.has(r)).map((r) => fail(r, err)));
  }
  // In target order, so a dry run previews the same addresses every time.
  const taken = new Set<string>();
  for (const r of runs) {
    if (failed.has(r)) continue;
    try {
      r.makePlan(poolState, taken);
    } catch (err) {
      await fail(r, err);
    }
  }
  const ready = runs.filter((r) => !failed.has(r));

  if (options.dryRun) {
    await Promise.all(ready.map((r) => r.settle('dry-run')));
    return finish(runs, auditLog, true);
  }
  const plans = ready.map((r) => r.plan!) as BoardPlan[];
  if (!options.yes && plans.some((p) => p.otp.pending > 0)) {
    let go = false;
    try {
      go = await options.confirm!(plans);
    } finally {
      if (!go) await Promise.all(ready.map((r) => r.settle('cancelled')));
    }
    if (!go) return finish(runs, auditLog, false);
  }
  await Promise.all(ready.map((r) => r.burn()));
  return finish(runs, auditLog, false);
}

function finish(runs: BoardRun[], auditLog: string | undefined, dryRun: boolean): ProvisionResult {
  const boards = runs.map((r) => r.result!);
  const exitCode = runExitCode(boards);
  return { boards, ok: exitCode === ExitCode.OK, exitCode, ...(auditLog && !dryRun ? { auditLog } : {}) };
}
