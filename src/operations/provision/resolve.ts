import { InputError } from '../../errors.js';
import type { SocFamily } from '../../protocol/constants.js';
import { formatMac, isMacUnset, macBytesFromStructure, macToWords, macWordIds } from '../../otp/mac.js';
import { NAMED_WORD_IDS } from '../../otp/named-tables.js';
import type { OtpEdit } from '../../otp/request.js';
import type { OtpStructure } from '../../otp/structure.js';
import type { PlanEdit, ProvisionPlan } from './plan.js';
import { parseU32 } from './value-sources.js';

/**
 * A plan made concrete for one board (pure): each edit's value looked up for the board's UID, the
 * MAC split into its words as shared/spec/otp-structure.md lays them out, and a record of where
 * every value came from (for the plan display and the audit line).
 */

export interface ResolvedValue {
  /** Position of the edit in the plan. */
  edit: number;
  words: number[];
  source: 'literal' | 'csv' | 'macPool' | 'file';
  /** Word values, by word id (absent for lock and sticky edits). */
  values?: Record<number, number>;
  mac?: string;
  file?: string;
  csvLine?: number;
}

export interface BoardEdits {
  edits: OtpEdit[];
  values: ResolvedValue[];
}

export interface BoardFacts {
  soc: SocFamily;
  uid: string;
  current: OtpStructure;
  /** The pool address for this board (required when the plan uses the pool). */
  mac?: string;
}

/** Which MAC of the SoC a `words` list names: [57,58] → 0; [58,59] on STM32MP13 → 1. */
export function macIndexFor(soc: SocFamily, words: readonly number[]): number {
  const count = NAMED_WORD_IDS[soc].macs.length;
  for (let i = 0; i < count; i++) {
    const ids = macWordIds(soc, i);
    if (ids.length === words.length && ids.every((w, k) => w === words[k])) return i;
  }
  const forms = Array.from({ length: count }, (_, i) => `[${macWordIds(soc, i).join(', ')}]`).join(' or ');
  throw new InputError('PLAN_INVALID', `words [${words.join(', ')}] do not hold a MAC address on ${soc}: use ${forms}`, { details: { soc, words } });
}

/** The pool edit of a plan, if any. */
export function macPoolEdit(plan: ProvisionPlan): PlanEdit | undefined {
  return plan.edits.find((e) => e.source?.kind === 'macPool');
}

/**
 * The MAC already in the board's OTP where the plan puts the pool address, or undefined when those
 * bytes are unset (all 0, or all FF on STM32MP13).
 */
export function boardMac(plan: ProvisionPlan, soc: SocFamily, current: OtpStructure): string | undefined {
  const edit = macPoolEdit(plan);
  if (!edit) return undefined;
  const bytes = macBytesFromStructure(current, soc, macIndexFor(soc, edit.words));
  return isMacUnset(bytes) ? undefined : formatMac(bytes);
}

/**
 * Whether the MAC words on the board can still become `mac`. Programming only sets bits, so a write
 * that stopped half way (an ABORT after word 57, before 58) is completed by the same address as long
 * as every bit already 1 on the board is 1 in the address too.
 */
export function macReachable(plan: ProvisionPlan, soc: SocFamily, current: OtpStructure, mac: string): boolean {
  const edit = macPoolEdit(plan);
  if (!edit) return true;
  const target = macToWords(mac, soc, macIndexFor(soc, edit.words), { current });
  return edit.words.every((w) => ((current.words[w]?.value ?? 0) & ~target[w]!) >>> 0 === 0);
}

export function resolveBoardEdits(plan: ProvisionPlan, board: BoardFacts): BoardEdits {
  const edits: OtpEdit[] = [];
  const values: ResolvedValue[] = [];
  for (const e of plan.edits) {
    const sticky = e.sticky ? { sticky: e.sticky } : {};
    if (e.op === 'lock') {
      for (const word of e.words) edits.push({ op: 'lock', word });
      values.push({ edit: e.index, words: e.words, source: 'literal' });
      continue;
    }
    if (e.op === 'sticky') {
      edits.push({ op: 'sticky', word: e.words[0]!, locks: e.sticky ?? [] });
      values.push({ edit: e.index, words: e.words, source: 'literal' });
      continue;
    }
    const source = e.source!;
    switch (source.kind) {
      case 'literal':
        edits.push({ op: 'write', word: e.words[0]!, value: source.value, lock: e.lock, ...sticky });
        values.push({ edit: e.index, words: e.words, source: 'literal', values: { [e.words[0]!]: source.value } });
        break;
      case 'csv': {
        const row = plan.csv.get(source.file)?.byKey.get(board.uid);
        if (!row) {
          throw new InputError('PLAN_VALUE_MISSING', `no row for board UID ${board.uid} in ${source.file} (column "${source.key}"): the value of word ${e.words[0]} is unknown`, {
            details: { uid: board.uid, file: source.file, edit: e.index },
          });
        }
        const value = parseU32(row.cells[source.column])!;
        edits.push({ op: 'write', word: e.words[0]!, value, lock: e.lock, ...sticky });
        values.push({ edit: e.index, words: e.words, source: 'csv', values: { [e.words[0]!]: value }, file: source.file, csvLine: row.line });
        break;
      }
      case 'file': {
        edits.push({ op: 'fwrite', word: e.words[0]!, data: source.data, lock: e.lock });
        const words: Record<number, number> = {};
        e.words.forEach((w, i) => (words[w] = source.data.readUInt32LE(4 * i)));
        values.push({ edit: e.index, words: e.words, source: 'file', values: words, file: source.file });
        break;
      }
      case 'macPool': {
        if (board.mac === undefined) throw new Error('resolveBoardEdits: the plan uses the MAC pool but no address was given');
        const index = macIndexFor(board.soc, e.words);
        // On STM32MP13 word 58 is shared by both MACs: keep the other MAC's half already burnt.
        const words = macToWords(board.mac, board.soc, index, { current: board.current });
        for (const w of e.words) edits.push({ op: 'write', word: w, value: words[w]!, lock: e.lock });
        values.push({ edit: e.index, words: e.words, source: 'macPool', values: words, mac: board.mac });
        break;
      }
    }
  }
  return { edits, values };
}
