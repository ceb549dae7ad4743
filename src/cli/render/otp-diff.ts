import { formatWord } from '../../index.js';
import type { SocFamily } from '../../index.js';
import type { OtpWordDiff } from '../../index.js';
import { decodeNamedWords } from '../../index.js';
import { NAMED_LABELS } from '../../index.js';
import { statusFlags } from '../../index.js';
import { emptyOtpStructure } from '../../index.js';


export interface OtpDiffReport {
  a: string;
  b: string;
  identical: boolean;
  /** Structure word 1, when it differs. */
  globalState: { before: number; after: number } | null;
  words: OtpWordDiff[];
}

/** Word id → the label of the named word(s) stored there, to say what a changed word means. */
function namedLabels(soc: SocFamily): Map<number, string> {
  const out = new Map<number, string>();
  const named = decodeNamedWords(emptyOtpStructure(soc), soc);
  for (const [key, value] of Object.entries(named)) {
    if (key === 'macs' || key === 'device' || key === 'serialNumber' || typeof value !== 'object' || !('words' in value)) continue;
    for (const w of (value as { words: number[] }).words) if (!out.has(w)) out.set(w, NAMED_LABELS[key]?.label ?? key);
  }
  return out;
}

function flagChange(before: number, after: number): string {
  const b = statusFlags(before);
  const a = statusFlags(after);
  const added = a.filter((f) => !b.includes(f)).map((f) => `+${f}`);
  const removed = b.filter((f) => !a.includes(f)).map((f) => `-${f}`);
  const all = [...added, ...removed];
  return all.length ? ` (${all.join(' ')})` : '';
}

export function renderOtpDiff(report: OtpDiffReport, soc: SocFamily): string {
  if (report.identical) return `${report.a} and ${report.b} are identical.`;
  const labels = namedLabels(soc);
  const lines: string[] = [];
  if (report.globalState) lines.push(`global state: ${formatWord(report.globalState.before)} -> ${formatWord(report.globalState.after)}`);
  lines.push(`${report.words.length} word(s) differ between ${report.a} and ${report.b}:`);
  lines.push('    ID  | value before -> after       | status before -> after');
  for (const d of report.words) {
    const value = d.changed.includes('value') ? `${formatWord(d.before.value)} -> ${formatWord(d.after.value)}` : `${formatWord(d.before.value)} (same)     `;
    const status = d.changed.includes('status') ? `${formatWord(d.before.status)} -> ${formatWord(d.after.status)}${flagChange(d.before.status, d.after.status)}` : `${formatWord(d.before.status)} (same)`;
    const label = labels.get(d.id);
    lines.push(`    ${String(d.id).padStart(2, '0')}  | ${value} | ${status}${label ? `  [${label}]` : ''}`);
  }
  return lines.join('\n');
}
