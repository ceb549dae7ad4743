import type { PmicWritePlan, PmicWriteResult } from '../../index.js';

const h2 = (n: number): string => n.toString(16).padStart(2, '0');

/** The 8 NVM bytes as a one-line hex dump: offset, bytes, and the bytes as hex text. */
export function renderPmicDump(bytes: Uint8Array): string {
  return `PMIC NVM (partition 0xF4, ${bytes.length} bytes):\n  00: ${Array.from(bytes, h2).join(' ')}`;
}

/** The byte diff shown before confirmation (stderr) or as a dry run's result (stdout). */
export function renderPmicPlan(plan: PmicWritePlan): string {
  const lines = ['PMIC NVM write plan (partition 0xF4):', `  current:   ${Array.from(plan.current, h2).join(' ')}`, `  requested: ${Array.from(plan.requested, h2).join(' ')}`];
  if (plan.changes.length === 0) lines.push('  no byte changes');
  else {
    lines.push(`  ${' '.repeat(11)}${Array.from(plan.requested, (_, i) => (plan.changes.some((c) => c.offset === i) ? '^^' : '  ')).join(' ')}`);
    for (const c of plan.changes) lines.push(`  byte ${c.offset}: 0x${h2(c.from)} -> 0x${h2(c.to)}`);
    lines.push('The PMIC reloads its NVM at power-up: wrong values can leave the board without power rails. Keep a copy of the current bytes (pmic read -o).');
  }
  return lines.join('\n');
}

export function renderPmicWriteResult(r: PmicWriteResult): string {
  if (r.outcome === 'dry-run') return `${renderPmicPlan(r.plan)}\nDry run: nothing was sent to the board.`;
  if (r.outcome === 'nothing-to-do') return 'Nothing to do: the PMIC NVM already holds these bytes.';
  return `Written and verified: ${r.plan.changes.length} byte(s) changed; the PMIC NVM now reads ${r.after!.toString('hex')}.`;
}

export function pmicWriteJson(r: PmicWriteResult): Record<string, unknown> {
  return {
    outcome: r.outcome,
    before: r.plan.current.toString('hex'),
    requested: r.plan.requested.toString('hex'),
    changes: r.plan.changes,
    after: r.after ? r.after.toString('hex') : null,
  };
}
