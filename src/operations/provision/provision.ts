import { join } from 'node:path';
import { CancelledError, ExitCode, InputError } from '../../errors.js';
import { checkAuditLogWritable } from '../audit-log.js';
import { prepareBoot } from '../boot.js';
import { BoardRun } from './board-run.js';
import { MacPool, type MacPoolState, type MacReservation } from './mac-pool.js';
import type { BoardPlan, BoardResult, ProvisionOptions, ProvisionResult, ProvisionTarget } from './types.js';

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
 * 0. before any board is opened: the audit log is proven writable, the --boot files read and checked,
 *    the port names checked distinct;
 * 1. each board: open, boot if asked, read UID and OTP (failures end that board only);
 * 2. each board, in target order: resolve the plan (pool address previewed, CSV row by UID), codec
 *    refusals, brick risks; a second board with the same UID is refused;
 * 3. a dry run stops here. Otherwise the pool addresses of the boards to write are reserved, in
 *    target order, under one hold of the pool lock — the assignment the dry run showed — and then
 *    comes the one confirmation for the whole run (`yes` or `confirm`), showing those addresses; a
 *    declined run gives them back;
 * 4. each board: write + verify (writeOtp) with exactly its reserved address, mark it, audit line.
 * Throws only before any board is opened (NO_CONFIRMATION, FILE, USAGE, a bad --boot layout) or
 * when `confirm` throws; every board's own failure is in its result.
 */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  if (!options.dryRun && !options.yes && !options.confirm) {
    throw new CancelledError('NO_CONFIRMATION', 'refused: provisioning burns OTP fuses and needs a confirmation, and none can be asked here (no TTY). Review it with --dry-run, then add --yes.');
  }
  checkDistinctPorts(options.targets);
  const auditLog = options.auditLog === false ? undefined : (options.auditLog ?? join(options.plan.baseDir, DEFAULT_AUDIT_LOG));
  // Read and checked once, before any port is opened, rather than failing every board alike.
  const boot = options.boot ? await prepareBoot({ layoutPath: options.boot }) : undefined;
  // Found now, not after the fuses are burnt (a dry run writes no line, so needs no log). Last of
  // the checks: it creates the file.
  if (auditLog && !options.dryRun) await checkAuditLogWritable(auditLog);
  const opts: ProvisionOptions = { ...options, auditLog: auditLog ?? false };
  const pool = options.plan.macPool ? new MacPool(options.plan.macPool, options.poolLock) : undefined;
  const runs = options.targets.map((t) => new BoardRun(t, opts, pool, boot));
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
  // In target order: the previewed addresses are the ones reserveMany gives in the same order.
  const taken = new Set<string>();
  const uids = new Map<string, string>();
  for (const r of runs) {
    if (failed.has(r)) continue;
    const first = uids.get(r.boardUid!);
    try {
      if (first !== undefined) {
        throw new InputError('DUPLICATE_UID', `this board has the UID ${r.boardUid} of the board on ${first} in the same run: two ports lead to one board (or to two boards with one UID); it is provisioned once, on ${first}`, {
          details: { uid: r.boardUid, port: first },
        });
      }
      uids.set(r.boardUid!, r.port);
      r.makePlan(poolState, taken);
    } catch (err) {
      await fail(r, err);
    }
  }
  let ready = runs.filter((r) => !failed.has(r));

  if (options.dryRun) {
    await Promise.all(ready.map((r) => r.settle('dry-run')));
    return finish(runs, auditLog);
  }
  const reserved = pool ? await reserveAddresses(pool, ready, fail) : [];
  ready = runs.filter((r) => !failed.has(r));
  const plans = ready.map((r) => r.plan!) as BoardPlan[];
  if (!options.yes && plans.some((p) => p.otp.pending > 0)) {
    let go = false;
    try {
      go = await options.confirm!(plans);
    } finally {
      if (!go) {
        await giveBack(pool, reserved);
        await Promise.all(ready.map((r) => r.settle('cancelled')));
      }
    }
    if (!go) return finish(runs, auditLog);
  }
  await Promise.all(ready.map((r) => r.burn()));
  return finish(runs, auditLog);
}

/** Two targets on one port would be two links to one board: refused before anything is opened. */
function checkDistinctPorts(targets: readonly ProvisionTarget[]): void {
  const seen = new Set<string>();
  for (const t of targets) {
    if (t.port.trim() === '') throw new InputError('USAGE', 'a target has an empty port name');
    if (seen.has(t.port)) throw new InputError('USAGE', `the port ${t.port} is given twice: each board needs its own port`, { details: { port: t.port } });
    seen.add(t.port);
  }
}

/**
 * Reserves the addresses of the boards to write, in target order, under one hold of the pool lock.
 * A board the pool cannot serve (exhausted, lock not had, state unreadable) fails alone. Returns the
 * new reservations (not the boards' own addresses), to give back if the run is declined.
 */
async function reserveAddresses(pool: MacPool, ready: BoardRun[], fail: (r: BoardRun, err: unknown) => Promise<void>): Promise<{ uid: string; mac: string }[]> {
  const wanting = ready.filter((r) => r.wantsAddress);
  if (wanting.length === 0) return [];
  let results: (MacReservation | InputError)[];
  try {
    results = await pool.reserveMany(wanting.map((r) => ({ uid: r.boardUid!, port: r.port })));
  } catch (err) {
    for (const r of wanting) r.dropAddress();
    await Promise.all(wanting.map((r) => fail(r, err)));
    return [];
  }
  const fresh: { uid: string; mac: string }[] = [];
  const unused: { uid: string; mac: string }[] = [];
  for (const [i, r] of wanting.entries()) {
    const res = results[i]!;
    if (res instanceof InputError) {
      r.dropAddress();
      await fail(r, res);
      continue;
    }
    try {
      r.reserved(res);
      if (!res.reused) fresh.push({ uid: res.entry.uid, mac: res.entry.mac });
    } catch (err) {
      // The address the pool gave it (not the previewed one) is refused for this board: nothing
      // was sent, so it goes back to the pool.
      if (!res.reused) unused.push({ uid: res.entry.uid, mac: res.entry.mac });
      r.dropAddress();
      await fail(r, err);
    }
  }
  await giveBack(pool, unused);
  return fresh;
}

/** Best effort: an address not given back stays bound to its UID (lost, never reused). */
async function giveBack(pool: MacPool | undefined, entries: readonly { uid: string; mac: string }[]): Promise<void> {
  if (!pool || entries.length === 0) return;
  await pool.release(entries).catch(() => {});
}

function finish(runs: BoardRun[], auditLog: string | undefined): ProvisionResult {
  const boards = runs.map((r) => r.result!);
  const exitCode = runExitCode(boards);
  const written = auditLog !== undefined && runs.some((r) => r.audited);
  return { boards, ok: exitCode === ExitCode.OK, exitCode, ...(written ? { auditLog } : {}) };
}
