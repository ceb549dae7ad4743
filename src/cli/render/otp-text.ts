import { formatWord } from '../../index.js';
import type { SocFamily } from '../../index.js';
import { decodeGlobalState } from '../../index.js';
import { toOtpJson } from '../../index.js';
import { decodeNamedWords, type NamedWords } from '../../index.js';
import { NAMED_LABELS } from '../../index.js';
import { STATUS_FLAGS, unknownStatusBits } from '../../index.js';
import type { OtpStructure } from '../../index.js';
import type { CliContext } from '../context.js';

/**
 * The structure as the vendor tool displays it (`STM32_Programmer_CLI -otp displ`, see
 * test/fixtures/stm32mp157c-dk2-otp-displ.txt), then the named words decoded. The vendor's
 * "Encrypted data" line is left out: no firmware we read defines that bit (spec "Global state").
 */

const RULE = '-'.repeat(75);
const FLAG_INDENT = ' '.repeat(33);

export interface OtpTextOptions {
  /** Only these OTP words in the table (and the named words built on them). */
  words?: readonly number[];
  /** Append the "Named words" section (default true). */
  named?: boolean;
}

function headerLines(s: OtpStructure): string[] {
  const g = decodeGlobalState(s.globalState);
  const lines = [
    'OTP DATA WORDS :',
    '',
    'Struct_version           :',
    `                         | none       : ${formatWord(s.version)}`,
    'BSEC_OTP_CONFIG          :',
    `                         |_ State            : ${g.stateText}`,
    `                         |_ Hardware Key Set : ${g.hardwareKeySet ? 'Y' : 'N'}`,
  ];
  if (g.unknownBits !== 0) lines.push(`                         |_ Unknown bits     : ${formatWord(g.unknownBits)}`);
  return lines;
}

/** One word's rows: id/value/status, then one `|_[NN] Name` per set status bit, unknown bits in hex. */
export function wordRows(id: number, value: number, status: number): string[] {
  const rows = [`    ${String(id).padStart(2, '0')}     |     ${formatWord(value)}  |  ${formatWord(status)}`];
  if (status === 0) return rows;
  for (const f of STATUS_FLAGS) {
    if (((status >>> f.bit) & 1) === 1) rows.push(`${FLAG_INDENT}|_[${String(f.bit).padStart(2, '0')}] ${f.label}`);
  }
  const unknown = unknownStatusBits(status);
  if (unknown !== 0) rows.push(`${FLAG_INDENT}|_ unknown bits ${formatWord(unknown)}`);
  rows.push('           |                 |          ');
  return rows;
}

function compactIds(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${ids[i]}-${ids[j]}` : ids.slice(i, j + 1).join(','));
    i = j;
  }
  return parts.join(',');
}

/** The named words as aligned `label [words] text` lines; `only` keeps entries touching those words. */
export function renderNamedWords(named: NamedWords, only?: readonly number[]): string[] {
  const keep = only ? new Set(only) : undefined;
  const rows: [string, number[], string][] = [];
  const add = (label: string, e: { words: number[]; text: string }): void => {
    if (keep && !e.words.some((w) => keep.has(w))) return;
    rows.push([label, e.words, e.text]);
  };
  for (const [key, value] of Object.entries(named)) {
    if (key === 'soc' || key === 'bsecState' || value === undefined) continue;
    const label = NAMED_LABELS[key]?.label ?? key;
    if (key === 'mac' && named.macs.length > 1) continue;
    if (key === 'macs') {
      if (named.macs.length > 1) named.macs.forEach((m, i) => add(`MAC${i}`, m));
      continue;
    }
    add(label, value as { words: number[]; text: string });
  }
  return rows.map(([label, words, text]) => `  ${label.padEnd(20)} ${`[${compactIds(words)}]`.padEnd(9)} ${text}`);
}

/** The whole display as text (no trailing newline). */
export function renderOtpText(s: OtpStructure, soc: SocFamily, options: OtpTextOptions = {}): string {
  const keep = options.words ? new Set(options.words) : undefined;
  const lines = [...headerLines(s), '', 'OTP REGISTERS:', '', RULE, '    ID     |        value    |     status', RULE];
  for (const w of s.words) if (!keep || keep.has(w.id)) lines.push(...wordRows(w.id, w.value, w.status));
  lines.push(RULE);
  if (options.named ?? true) {
    const named = renderNamedWords(decodeNamedWords(s, soc), options.words);
    if (named.length > 0) lines.push('', `Named words (${soc}):`, ...named);
  }
  return lines.join('\n');
}

/** Prints a structure on stdout: `--json` as {@link toOtpJson}, else the vendor-like display. */
export function printOtpStructure(ctx: Pick<CliContext, 'json' | 'out'>, s: OtpStructure, soc: SocFamily, options: OtpTextOptions = {}): void {
  ctx.out(ctx.json ? JSON.stringify(toOtpJson(s, soc, options.words)) : renderOtpText(s, soc, options));
}
