import { ExitCode, isStm32mpError } from '../../errors.js';
import type { OtpStructure } from '../../otp/structure.js';
import type { AuditRecord } from '../audit-log.js';
import type { ProvisionPlan } from './plan.js';
import type { BoardResult, BoardWordRecord } from './types.js';

/**
 * The words of a board refused before its plan could be made (CSV row missing, codec refusal, MAC
 * already set...): every word the plan edits, with the value and status read from the board, so
 * its audit line still proves what the board held. Nothing was asked of them (`requested` null)
 * and nothing was sent (`after` null).
 */
export function readWordRecords(plan: ProvisionPlan, current: OtpStructure): BoardWordRecord[] {
  const ids = [...new Set(plan.edits.flatMap((e) => e.words))].filter((id) => current.words[id] !== undefined).sort((a, b) => a - b);
  return ids.map((id) => {
    const w = current.words[id]!;
    return { id, before: { value: w.value, status: w.status }, requested: null, after: null, skipped: false };
  });
}

/** A board's error as its result and audit line carry it. */
export function describeError(err: unknown): { code: string; message: string; exitCode: ExitCode } {
  if (isStm32mpError(err)) return { code: err.code, message: err.message, exitCode: err.exitCode };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), exitCode: ExitCode.LINK };
}

/** A board's audit line: UID, port, every word before/after, pool address, values, result, timings. */
export function auditRecord(r: BoardResult, planSource: string, warnings: readonly string[]): AuditRecord {
  return {
    time: new Date().toISOString(),
    operation: 'provision',
    port: r.port,
    uid: r.uid,
    ...(r.soc ? { soc: r.soc } : {}),
    plan: planSource,
    words: r.words.map((w) => ({ id: w.id, before: w.before, after: w.after, requested: w.requested, skipped: w.skipped })),
    result: r.result,
    ...(r.pool ? { pool: { mac: r.pool.mac, reused: r.pool.reused, state: r.pool.state } } : {}),
    values: r.values,
    timings: r.timings,
    ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
    ...(warnings.length ? { warnings: [...warnings] } : {}),
  };
}
