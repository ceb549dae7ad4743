import type { SocFamily } from '../protocol/constants.js';
import { decodeNamedWords, type NamedWords } from './named.js';
import { statusFlags, type StatusFlag } from './status.js';
import type { OtpStructure } from './structure.js';

export interface OtpJson {
  version: number;
  globalState: number;
  words: { id: number; value: number; status: number; flags: StatusFlag[] }[];
  named: NamedWords;
}

/**
 * The `--json` form of a structure (issue 4): exactly version, globalState, one entry per OTP word
 * (restricted to `wordIds` when given) with numbers as JSON numbers, then the named words.
 */
export function toOtpJson(s: OtpStructure, soc: SocFamily, wordIds?: readonly number[]): OtpJson {
  const keep = wordIds ? new Set(wordIds) : undefined;
  return {
    version: s.version,
    globalState: s.globalState >>> 0,
    words: s.words.filter((w) => !keep || keep.has(w.id)).map((w) => ({ id: w.id, value: w.value >>> 0, status: w.status >>> 0, flags: statusFlags(w.status) })),
    named: decodeNamedWords(s, soc),
  };
}
