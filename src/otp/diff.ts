import type { OtpStructure } from './structure.js';

export interface OtpWordState {
  value: number;
  status: number;
}

export interface OtpWordDiff {
  id: number;
  before: OtpWordState;
  after: OtpWordState;
  changed: ('value' | 'status')[];
}

/**
 * The words whose value or status differ between two structures, in word order. A word present in
 * only one (structures of different sizes) is compared against value 0, status 0.
 */
export function diffOtp(a: OtpStructure, b: OtpStructure): OtpWordDiff[] {
  const n = Math.max(a.words.length, b.words.length);
  const out: OtpWordDiff[] = [];
  for (let id = 0; id < n; id++) {
    const before = { value: (a.words[id]?.value ?? 0) >>> 0, status: (a.words[id]?.status ?? 0) >>> 0 };
    const after = { value: (b.words[id]?.value ?? 0) >>> 0, status: (b.words[id]?.status ?? 0) >>> 0 };
    const changed: ('value' | 'status')[] = [];
    if (before.value !== after.value) changed.push('value');
    if (before.status !== after.status) changed.push('status');
    if (changed.length > 0) out.push({ id, before, after, changed });
  }
  return out;
}
