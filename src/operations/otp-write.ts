import { AbortError, CancelledError, LinkError, VerifyError, isStm32mpError } from '../errors.js';
import type { Link } from '../link/link.js';
import { Phase, type SocFamily } from '../protocol/constants.js';
import { formatWord } from '../otp/bits.js';
import { findBrickRisks, type BrickRisk } from '../otp/brick-risk.js';
import { buildWriteRequest, type OtpEdit, type WriteRequest } from '../otp/request.js';
import { STATUS } from '../otp/status.js';
import type { OtpStructure } from '../otp/structure.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { appendAuditRecord, checkAuditLogWritable, type AuditRecord } from './audit-log.js';
import { readOtp } from './otp-read.js';
import { downloadBuffer } from './transfer.js';

/** What will be burnt, shown to the user before anything is sent. */
export interface OtpWritePlan {
  soc: SocFamily;
  uid: string | null;
  current: OtpStructure;
  request: WriteRequest;
  risks: BrickRisk[];
  /** Sticky locks last until reset, and OP-TEE firmware ignores them (otp-structure.md "Write requests"). */
  stickyRequested: boolean;
  /** Words with something left to do. */
  pending: number;
}

export interface WordCheck {
  id: number;
  expectedValue: number;
  foundValue: number;
  expectedLocks: number;
  foundStatus: number;
  ok: boolean;
  problem?: string;
}

export interface OtpWriteResult {
  outcome: 'written' | 'dry-run' | 'nothing-to-do';
  plan: OtpWritePlan;
  after?: OtpStructure;
  checks: WordCheck[];
  /** Words of the read-back whose status reports a read or lock error. */
  statusErrors: { id: number; flags: string[] }[];
}

export interface OtpWriteOptions {
  edits: OtpEdit[];
  soc?: SocFamily;
  /** Allow writes that can brick the board. */
  force?: boolean;
  dryRun?: boolean;
  /** Asked once the plan is known; resolve false to cancel. Required unless `yes`. */
  confirm?: (plan: OtpWritePlan) => Promise<boolean>;
  yes?: boolean;
  /** Called with the plan before confirmation (the CLI shows it). */
  onPlan?: (plan: OtpWritePlan) => void;
  logger?: Logger;
  /** Append one line per operation to this JSONL file. */
  auditLog?: string;
  port?: string;
  operation?: string;
}

const LOCK_BITS = STATUS.PERMANENT_LOCK | STATUS.STICKY_PROG_LOCK | STATUS.STICKY_SHADOW_WRITE_LOCK | STATUS.STICKY_SHADOW_READ_LOCK;

export function uidOf(s: OtpStructure): string | null {
  const w = s.words;
  if (w.length < 16) return null;
  return [13, 14, 15].map((i) => w[i]!.value.toString(16).padStart(8, '0')).join('');
}

/** Step 2 and the analysis of step 3: the pure plan (refusals throw InputError OTP_REFUSED, exit 2). */
export function planOtpWrite(current: OtpStructure, edits: OtpEdit[], soc: SocFamily): OtpWritePlan {
  const request = buildWriteRequest(current, edits, soc);
  const risks = findBrickRisks(request, soc);
  const stickyRequested = request.words.some((w) => (w.requestedStatus & (STATUS.STICKY_PROG_LOCK | STATUS.STICKY_SHADOW_WRITE_LOCK | STATUS.STICKY_SHADOW_READ_LOCK)) !== 0);
  return { soc, uid: uidOf(current), current, request, risks, stickyRequested, pending: request.words.filter((w) => !w.alreadyDone).length };
}

/** Step 3's gate: a brick-risk write needs `force` (exit 4 otherwise). */
export function checkBrickRisks(plan: OtpWritePlan, force: boolean | undefined): void {
  if (plan.risks.length === 0 || force) return;
  const list = plan.risks.map((r) => `word ${r.word}: ${r.description}`).join('; ');
  throw new CancelledError('BRICK_RISK', `refused: this write can brick the board (${list}). Nothing was sent. Add --force to burn it anyway.`, { risks: plan.risks });
}

/** Step 5: download the request structure to phase 0xF2 and program it with Start 0xF2. */
export async function programOtp(link: Link, request: WriteRequest, log: Logger): Promise<void> {
  log.trace({ step: 'download', bytes: request.bytes.length }, 'downloading the OTP write request to phase 0xF2');
  await downloadBuffer(link, Phase.OTP, request.bytes, undefined, { restartOnTimeout: 2 });
  log.trace({ step: 'start' }, 'Start 0xF2: programming');
  await link.start(Phase.OTP);
}

/** Status bits a write can change: the locks, and the read error that a failed programming may cause. */
const WATCHED_STATUS = LOCK_BITS | STATUS.READ_ERROR;

/**
 * Step 6: every requested word's value and lock bits, compared with the read-back; and, given the
 * structure read before, every other word must be as it was (a corrupted request could touch them).
 */
export function verifyOtpWrite(request: WriteRequest, after: OtpStructure, before?: OtpStructure): WordCheck[] {
  const checks: WordCheck[] = request.words.map((w) => {
    const found = after.words[w.id]!;
    const expectedLocks = (w.requestedStatus & LOCK_BITS) >>> 0;
    const problems: string[] = [];
    if (found.value >>> 0 !== w.newValue >>> 0) problems.push(`value ${formatWord(found.value)} instead of ${formatWord(w.newValue)}`);
    const missing = (expectedLocks & ~found.status) >>> 0;
    if (missing) problems.push(`lock bits ${formatWord(missing)} missing${missing & ~STATUS.PERMANENT_LOCK ? ' (sticky locks: the board firmware may ignore them, and they end at reset)' : ''}`);
    if (found.status & STATUS.READ_ERROR) problems.push('read error on read-back');
    return check(w.id, w.newValue, found.value, expectedLocks, found.status, problems);
  });
  if (!before) return checks;
  const requested = new Set(request.words.map((w) => w.id));
  for (const old of before.words) {
    if (requested.has(old.id)) continue;
    const found = after.words[old.id]!;
    const statusChange = ((old.status ^ found.status) & WATCHED_STATUS) >>> 0;
    if (old.value >>> 0 === found.value >>> 0 && statusChange === 0) continue;
    checks.push(
      check(old.id, old.value, found.value, (old.status & LOCK_BITS) >>> 0, found.status, [
        `changed although not requested: value ${formatWord(old.value)} → ${formatWord(found.value)}, status ${formatWord(old.status)} → ${formatWord(found.status)}`,
      ]),
    );
  }
  return checks;
}

function check(id: number, expectedValue: number, foundValue: number, expectedLocks: number, foundStatus: number, problems: string[]): WordCheck {
  return {
    id,
    expectedValue: expectedValue >>> 0,
    foundValue: foundValue >>> 0,
    expectedLocks,
    foundStatus: foundStatus >>> 0,
    ok: problems.length === 0,
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  };
}


function statusErrorsOf(s: OtpStructure): { id: number; flags: string[] }[] {
  return s.words.filter((w) => w.status & (STATUS.READ_ERROR | STATUS.LOCK_ERROR)).map((w) => ({ id: w.id, flags: w.flags }));
}

/**
 * The whole write path (style.md pattern 12): read the board → plan → show → confirm → program →
 * read back → verify → audit. Nothing is sent before the plan is accepted; every refusal happens
 * before the first Download byte, and every outcome (refusals and cancellations included) gets its
 * audit line.
 */
export async function writeOtp(link: Link, options: OtpWriteOptions): Promise<OtpWriteResult> {
  const log = options.logger ?? silentLogger;
  // An audit log that cannot be written must stop us before a fuse is burnt, not after.
  if (options.auditLog) await checkAuditLogWritable(options.auditLog);
  log.trace({ step: 'read-current' }, 'step 1: reading the current OTP');
  const { soc, structure: current } = await readOtp(link, { soc: options.soc, logger: log });
  let plan: OtpWritePlan | undefined;

  const audit = async (result: AuditRecord['result'], after?: OtpStructure, error?: unknown): Promise<void> => {
    if (!options.auditLog) return;
    const ids = plan ? plan.request.words.map((w) => w.id) : [...new Set(options.edits.map((e) => e.word))].filter((id) => current.words[id] !== undefined);
    await appendAuditRecord(options.auditLog, {
      time: new Date().toISOString(),
      operation: options.operation ?? 'otp-write',
      port: options.port ?? link.transport.name,
      uid: uidOf(current),
      soc,
      words: ids.map((id) => ({
        id,
        before: { value: current.words[id]!.value, status: current.words[id]!.status },
        after: after ? { value: after.words[id]!.value, status: after.words[id]!.status } : null,
      })),
      result,
      ...(isStm32mpError(error) ? { error: { code: error.code, message: error.message } } : {}),
    });
  };

  try {
    log.trace({ step: 'build-request', edits: options.edits.length }, 'step 2: building the write request');
    plan = planOtpWrite(current, options.edits, soc);
    log.trace({ step: 'plan', pending: plan.pending, risks: plan.risks.length }, 'step 3: plan ready');
    options.onPlan?.(plan);
    if (options.dryRun) {
      // A dry run shows the plan, brick risks included, and sends nothing.
      await audit('dry-run');
      return { outcome: 'dry-run', plan, checks: [], statusErrors: [] };
    }
    checkBrickRisks(plan, options.force);
    if (plan.pending === 0) {
      await audit('nothing-to-do', current);
      return { outcome: 'nothing-to-do', plan, after: current, checks: verifyOtpWrite(plan.request, current), statusErrors: statusErrorsOf(current) };
    }
    log.trace({ step: 'confirm' }, 'step 4: confirmation');
    if (!options.yes) {
      if (!options.confirm) {
        throw new CancelledError('NO_CONFIRMATION', 'refused: OTP writes need a confirmation and none can be asked here (no TTY). Review the plan with --dry-run, then add --yes.');
      }
      if (!(await options.confirm(plan))) throw new CancelledError('CANCELLED', 'cancelled: nothing was written.');
    }
  } catch (err) {
    if (isStm32mpError(err)) await audit(err instanceof CancelledError ? 'cancelled' : 'refused', undefined, err);
    throw err;
  }

  try {
    await programOtp(link, plan.request, log);
  } catch (err) {
    if (!(err instanceof AbortError)) {
      await audit('failed', undefined, err);
      throw err;
    }
    // The device stopped at the first word it could not program; the ones before it ARE burnt
    // (otp-structure.md "Write requests"). Read back to say exactly which.
    log.trace({ step: 'read-back-after-abort' }, 'Start 0xF2 aborted: reading back to see what was programmed');
    const { structure: after } = await readOtp(link, { soc, logger: log });
    const checks = verifyOtpWrite(plan.request, after, current);
    const pending = new Set(plan.request.words.filter((w) => !w.alreadyDone).map((w) => w.id));
    const written = checks.filter((c) => c.ok && pending.has(c.id)).map((c) => c.id);
    const notWritten = checks.filter((c) => !c.ok && pending.has(c.id)).map((c) => c.id);
    const error = new LinkError(
      'OTP_WRITE_ABORTED',
      `the board aborted the OTP programming: written ${written.length ? `words ${written.join(', ')}` : 'nothing'}; not written: words ${notWritten.join(', ')}. ` +
        "The device's reason is only readable with Get Phase, which resets the board: run `stm32mp-uart info` to read it (the board will reset).",
      { cause: err, details: { written, notWritten, checks } },
    );
    await audit('failed', after, error);
    throw error;
  }

  log.trace({ step: 'read-back' }, 'step 6: reading back');
  const { structure: after } = await readOtp(link, { soc, logger: log });
  const checks = verifyOtpWrite(plan.request, after, current);
  log.trace({ step: 'verify', failed: checks.filter((c) => !c.ok).length }, 'step 6: verified');
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    const error = new VerifyError(`read-back verification failed for ${failed.length} word(s): ${failed.map((c) => `word ${c.id}: ${c.problem}`).join('; ')}`, { checks });
    await audit('failed', after, error);
    throw error;
  }
  await audit('ok', after);
  return { outcome: 'written', plan, after, checks, statusErrors: statusErrorsOf(after) };
}

/** One requested word: before, what the plan asks, after (when read back), skipped when already done. */
export interface WordRecord {
  id: number;
  before: { value: number; status: number };
  /** The value after programming and the locks the plan adds. */
  requested: { value: number; locks: string[] };
  after: { value: number; status: number } | null;
  /** Value and locks were already on the board: left out of the request. */
  skipped: boolean;
}

/** The per-word record of a plan (JSON results, provisioning reports), with the read-back when known. */
export function wordRecords(plan: OtpWritePlan, after: OtpStructure | undefined): WordRecord[] {
  return plan.request.words.map((w) => {
    const a = after?.words[w.id];
    return {
      id: w.id,
      before: { value: w.currentValue, status: w.currentStatus },
      requested: { value: w.newValue, locks: w.locksToAdd },
      after: a ? { value: a.value, status: a.status } : null,
      skipped: w.alreadyDone,
    };
  });
}

