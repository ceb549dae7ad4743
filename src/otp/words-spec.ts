import { InputError } from '../errors.js';

/**
 * Parses a word list like `13-15,57,58` or `0x39` into sorted unique word ids below `count`.
 * Throws InputError USAGE on bad syntax, a reversed range, or an id out of range.
 */
export function parseWordsSpec(spec: string, count = 96): number[] {
  const ids = new Set<number>();
  const parseId = (t: string): number => {
    const s = t.trim();
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) {
      throw new InputError('USAGE', `--words: "${t}" is not a word number (write e.g. 13-15,57,58)`, { details: { spec } });
    }
    const n = Number(s);
    if (n >= count) throw new InputError('USAGE', `--words: word ${n} does not exist: OTP words are 0..${count - 1}`, { details: { spec, word: n } });
    return n;
  };
  if (spec.trim() === '') throw new InputError('USAGE', '--words is empty: write e.g. 13-15,57,58', { details: { spec } });
  for (const part of spec.split(',')) {
    const range = part.split('-');
    if (range.length === 1) {
      ids.add(parseId(range[0]!));
    } else if (range.length === 2) {
      const a = parseId(range[0]!);
      const b = parseId(range[1]!);
      if (b < a) throw new InputError('USAGE', `--words: range "${part}" goes backwards`, { details: { spec } });
      for (let i = a; i <= b; i++) ids.add(i);
    } else {
      throw new InputError('USAGE', `--words: "${part}" is not a word or a range like 13-15`, { details: { spec } });
    }
  }
  return [...ids].sort((x, y) => x - y);
}
