import { formatWord } from '../../index.js';
import { wordRecords, type OtpWritePlan, type OtpWriteResult, type WordCheck } from '../../index.js';


function bitList(mask: number): string {
  const bits: number[] = [];
  for (let b = 0; b < 32; b++) if ((mask >>> b) & 1) bits.push(b);
  return bits.length ? bits.join(',') : 'none';
}

/** The plan, as shown before confirmation: per word current → new, bits set, locks added, risks. */
export function renderOtpPlan(plan: OtpWritePlan): string {
  const lines: string[] = [];
  lines.push(`OTP write plan for ${plan.soc}${plan.uid ? `, board UID ${plan.uid}` : ''}:`);
  lines.push('  word | current    -> new        | bits to set              | locks to add');
  for (const w of plan.request.words) {
    const locks = w.locksToAdd.length ? w.locksToAdd.join(', ') : '-';
    const note = w.alreadyDone ? '  (already on the board: skipped)' : '';
    lines.push(`  ${String(w.id).padStart(4)} | ${formatWord(w.currentValue)} -> ${formatWord(w.newValue)} | ${bitList(w.bitsToSet).padEnd(24)} | ${locks}${note}`);
  }
  if (plan.stickyRequested) {
    lines.push('  Note: sticky locks last only until the board resets, and OP-TEE-based firmware ignores them; the read-back checks them.');
  }
  for (const r of plan.risks) lines.push(`  DANGER word ${r.word}: ${r.description}`);
  if (plan.risks.length) lines.push('  These writes can brick the board: they are refused unless --force is given as well.');
  lines.push('OTP fuses cannot be reset: once written, these bits stay 1 and these locks stay for the life of the chip.');
  return lines.join('\n');
}

export function renderChecks(checks: WordCheck[]): string {
  const lines = ['  word | expected value | found value | expected locks | found status | result'];
  for (const c of checks) {
    lines.push(`  ${String(c.id).padStart(4)} | ${formatWord(c.expectedValue)}     | ${formatWord(c.foundValue)}  | ${formatWord(c.expectedLocks)}     | ${formatWord(c.foundStatus)}   | ${c.ok ? 'ok' : c.problem}`);
  }
  return lines.join('\n');
}

export function renderOtpWriteResult(r: OtpWriteResult): string {
  if (r.outcome === 'dry-run') return 'Dry run: nothing was sent to the board.';
  if (r.outcome === 'nothing-to-do') return 'Nothing to do: every requested value and lock is already on the board.';
  const lines = [`Written and verified: ${r.checks.length} word(s).`, renderChecks(r.checks)];
  for (const e of r.statusErrors) lines.push(`  note: word ${e.id} reports ${e.flags.join(', ')}`);
  return lines.join('\n');
}

/** The JSON result of a write (stable shape for scripts). */
export function otpWriteJson(r: OtpWriteResult): Record<string, unknown> {
  return {
    outcome: r.outcome,
    soc: r.plan.soc,
    uid: r.plan.uid,
    words: wordRecords(r.plan, r.after),
    risks: r.plan.risks,
    checks: r.checks,
    statusErrors: r.statusErrors,
  };
}
