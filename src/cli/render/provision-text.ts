import { formatWord } from '../../index.js';
import type { BoardPlan, BoardResult, ProvisionResult, ResolvedValue } from '../../index.js';
import { renderOtpPlan } from './otp-plan.js';

/**
 * An error message on one line, for the summary and the live table: a refusal's header alone
 * ("the OTP write was refused before anything was sent:") does not say why, its lines below do.
 */
export function oneLine(message: string): string {
  const [head = '', ...rest] = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return rest.length ? `${head} ${rest.join('; ')}` : head;
}


function sourceText(v: ResolvedValue): string {
  switch (v.source) {
    case 'macPool':
      return `MAC ${v.mac} from the pool`;
    case 'csv':
      return `from ${v.file}:${v.csvLine}`;
    case 'file':
      return `from ${v.file}`;
    default:
      return 'literal';
  }
}

function macNote(mac: NonNullable<BoardPlan['mac']>): string {
  if (mac.reused) return "already this board's in the pool";
  return mac.reserved ? 'reserved for this board in the pool' : 'the next free address of the pool; a real run reserves it before asking';
}

/** One board's plan: where each value comes from, then the OTP write plan as `otp write` shows it. */
export function renderBoardPlan(p: BoardPlan): string {
  const lines = [`== ${p.port}: board UID ${p.uid} (${p.soc})`];
  if (p.mac) lines.push(`  MAC address: ${p.mac.address} (${macNote(p.mac)})`);
  for (const v of p.values) {
    const words = v.values ? Object.entries(v.values).map(([w, val]) => `word ${w} = ${formatWord(val)}`).join(', ') : `word${v.words.length > 1 ? 's' : ''} ${v.words.join(', ')}`;
    lines.push(`  edit ${v.edit}: ${words} (${sourceText(v)})`);
  }
  lines.push(renderOtpPlan(p.otp).replace(/^/gm, '  '));
  if (p.otp.pending === 0) lines.push('  Nothing to burn: every value and lock is already on this board.');
  return lines.join('\n');
}

/** The result line(s) of one board (stdout). */
export function renderBoardResult(r: BoardResult): string {
  const head = `${r.port}: ${r.result}${r.uid ? ` (UID ${r.uid})` : ''}${r.pool ? `, MAC ${r.pool.mac}` : ''}, ${r.timings.totalMs} ms`;
  const warnings = (r.warnings ?? []).map((w) => `\n  warning: ${w}`).join('');
  if (r.error) return `${head}\n  [${r.error.code}] ${r.error.message.replace(/\n/g, '\n  ')}${warnings}`;
  const written = r.words.filter((w) => !w.skipped).map((w) => w.id);
  const skipped = r.words.filter((w) => w.skipped).map((w) => w.id);
  const parts: string[] = [];
  if (r.result === 'ok') parts.push(`written and verified: word${written.length > 1 ? 's' : ''} ${written.join(', ')}`);
  if (skipped.length) parts.push(`already on the board: ${skipped.join(', ')}`);
  return `${parts.length ? `${head}\n  ${parts.join('; ')}` : head}${warnings}`;
}

/** The end of the run (stderr): counts, and each board that did not succeed with its reason. */
export function renderProvisionSummary(run: ProvisionResult): string {
  const count = (k: BoardResult['result']): number => run.boards.filter((b) => b.result === k).length;
  const bad = run.boards.filter((b) => b.result === 'failed' || b.result === 'cancelled');
  const parts = [`${count('ok')} burnt`, `${count('nothing-to-do')} already done`];
  if (count('dry-run')) parts.push(`${count('dry-run')} planned (dry run)`);
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('cancelled')) parts.push(`${count('cancelled')} cancelled`);
  const lines = [`Provisioning: ${run.boards.length} board(s): ${parts.join(', ')}.`];
  for (const b of bad) lines.push(`  ${b.port}${b.uid ? ` (UID ${b.uid})` : ''}: [${b.error?.code ?? 'CANCELLED'}] ${oneLine(b.error?.message ?? 'cancelled')}`);
  if (run.auditLog) lines.push(`Audit log: ${run.auditLog}`);
  if (!run.ok) lines.push(`Exit code ${run.exitCode}.`);
  return lines.join('\n');
}

/** The JSON object of one board (one line of --json output). */
export function boardResultJson(r: BoardResult, plan?: BoardPlan): Record<string, unknown> {
  return {
    port: r.port,
    uid: r.uid,
    soc: r.soc ?? null,
    result: r.result,
    ...(r.pool ? { pool: r.pool } : {}),
    words: r.words,
    values: r.values,
    ...(plan && r.result === 'dry-run' ? { risks: plan.otp.risks, warnings: plan.otp.request.warnings } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.warnings ? { warnings: r.warnings } : {}),
    timings: r.timings,
  };
}
