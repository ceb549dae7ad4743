import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError, STICKY_LOCK_BITS } from '../index.js';
import type { OtpEdit, StickyLock } from '../index.js';

/**
 * Turns the command line into OTP edits. Two spellings are accepted:
 *  - the vendor tool's: `word=10 value=0x0ABCDEF0 [lock] word=11 value=...` (a `lock` token applies
 *    to the word before it);
 *  - ours: `--word 10 --value 0x0ABCDEF0 [--lock]`, repeatable in pairs.
 */
export function parseNumber(text: string, what: string): number | bigint {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|0b[01]+|\d+)$/i.test(t)) throw new InputError('USAGE', `${what}: "${text}" is not a number (decimal, 0x hex or 0b binary)`);
  const big = BigInt(t);
  return big <= 0xffffffffn ? Number(big) : big;
}

export function parseWordId(text: string | number): number {
  const n = typeof text === 'number' ? text : parseNumber(String(text), 'word');
  if (typeof n === 'bigint' || !Number.isInteger(n)) throw new InputError('USAGE', `word: "${text}" is not a word number`);
  return n;
}

/** The sticky locks the codec knows (its STICKY_LOCK_BITS table). */
export const STICKY_LOCKS = Object.keys(STICKY_LOCK_BITS) as StickyLock[];

export function parseStickyLocks(values: readonly string[]): StickyLock[] {
  return values.map((v) => {
    if (!(STICKY_LOCKS as readonly string[]).includes(v)) throw new InputError('USAGE', `--sticky: "${v}" is not one of ${STICKY_LOCKS.join(', ')}`);
    return v as StickyLock;
  });
}

/**
 * `word=N value=V [lock]` tokens (vendor spelling) → write edits. A `lock` after a pair locks that
 * word; a `lock` before the first `word=` (the vendor help's `write [lock] word=...` order) locks
 * every word of the command.
 */
export function parseVendorWriteTokens(tokens: readonly string[]): OtpEdit[] {
  const edits: OtpEdit[] = [];
  let lockAll = false;
  let pending: { word?: number; value?: number | bigint; lock: boolean } | undefined;
  const flush = (): void => {
    if (!pending) return;
    if (pending.word === undefined) throw new InputError('USAGE', 'value= given without a word= before it');
    if (pending.value === undefined) throw new InputError('USAGE', `word=${pending.word} has no value= (use "otp lock word=${pending.word}" to lock only)`);
    edits.push({ op: 'write', word: pending.word, value: pending.value, lock: pending.lock || lockAll });
    pending = undefined;
  };
  for (const raw of tokens) {
    const token = String(raw);
    const [key, val] = token.includes('=') ? [token.slice(0, token.indexOf('=')).toLowerCase(), token.slice(token.indexOf('=') + 1)] : [token.toLowerCase(), undefined];
    if (key === 'word' && val !== undefined) {
      flush();
      pending = { word: parseWordId(val), lock: false };
    } else if (key === 'value' && val !== undefined) {
      if (!pending) throw new InputError('USAGE', `value=${val} given without a word= before it`);
      if (pending.value !== undefined) throw new InputError('USAGE', `word=${pending.word} has two value= tokens`);
      pending.value = parseNumber(val, `value of word ${pending.word}`);
    } else if (key === 'lock' && val === undefined) {
      if (pending) pending.lock = true;
      else if (edits.length === 0) lockAll = true;
      else throw new InputError('USAGE', '"lock" must follow a word=N value=V pair, or come before the first word=');
    } else {
      throw new InputError('USAGE', `"${token}" is not understood: expected [lock] word=N value=V [lock] ...`);
    }
  }
  flush();
  return edits;
}

/** `word=N [word=M ...]` tokens → word ids (for lock and fwrite). */
export function parseVendorWordTokens(tokens: readonly string[]): { words: number[]; lock: boolean } {
  const words: number[] = [];
  let lock = false;
  for (const raw of tokens) {
    const token = String(raw);
    const m = /^word=(.+)$/i.exec(token);
    if (m) words.push(parseWordId(m[1]!));
    else if (token.toLowerCase() === 'lock') lock = true;
    else throw new InputError('USAGE', `"${token}" is not understood: expected word=N`);
  }
  return { words, lock };
}

/** `--word/--value/--lock` flags, repeatable in pairs. */
export function parseFlagWrites(words: readonly (string | number)[], values: readonly (string | number)[], lock: boolean): OtpEdit[] {
  if (words.length !== values.length) throw new InputError('USAGE', `give one --value per --word (${words.length} --word, ${values.length} --value)`);
  return words.map((w, i) => ({ op: 'write' as const, word: parseWordId(w), value: parseNumber(String(values[i]), `--value for word ${w}`), lock }));
}

interface JsonEdit {
  op?: string;
  word?: number | string;
  value?: number | string;
  lock?: boolean;
  locks?: string[];
  sticky?: string[];
  file?: string;
}

/**
 * A JSON file of edits, for production lines: `{"edits":[...]}` or a bare array, each
 * `{"op":"write"|"write-lock"|"lock"|"sticky"|"fwrite", "word":N, "value":"0x..", "lock":bool,
 * "locks":["prog",...], "file":"key.bin"}`; `file` is relative to the JSON file.
 */
export async function readEditsFile(path: string): Promise<OtpEdit[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError('USAGE', `${path}: cannot read the edits (${(err as Error).message})`, { cause: err });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { edits?: unknown }).edits;
  if (!Array.isArray(list)) throw new InputError('USAGE', `${path}: expected {"edits":[...]} or an array of edits`);
  const edits: OtpEdit[] = [];
  const known = new Set(['op', 'word', 'value', 'lock', 'locks', 'sticky', 'file']);
  for (const [i, e] of (list as JsonEdit[]).entries()) {
    const where = `${path}: edit ${i + 1}`;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new InputError('USAGE', `${where}: expected an object like {"op":"write","word":10,"value":"0x1"}`);
    const unknown = Object.keys(e).filter((k) => !known.has(k));
    if (unknown.length) throw new InputError('USAGE', `${where}: unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...known].join(', ')})`);
    if (e.lock !== undefined && typeof e.lock !== 'boolean') throw new InputError('USAGE', `${where}: "lock" must be true or false, not ${JSON.stringify(e.lock)}`);
    for (const k of ['locks', 'sticky'] as const) {
      const v = e[k];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw new InputError('USAGE', `${where}: "${k}" must be a list of ${STICKY_LOCKS.join(', ')}`);
    }
    if (e.word === undefined) throw new InputError('USAGE', `${where}: "word" is missing`);
    const word = parseWordId(e.word);
    const value = (): number | bigint => {
      if (e.value === undefined) throw new InputError('USAGE', `${where}: "value" is missing`);
      if (typeof e.value !== 'number' && typeof e.value !== 'string') throw new InputError('USAGE', `${where}: "value" must be a number or a string like "0x1234"`);
      return typeof e.value === 'number' ? e.value : parseNumber(e.value, where);
    };
    switch (e.op ?? 'write') {
      case 'write':
        edits.push({ op: 'write', word, value: value(), lock: e.lock === true, ...(e.sticky ? { sticky: parseStickyLocks(e.sticky) } : {}) });
        break;
      case 'write-lock':
        edits.push({ op: 'write', word, value: value(), lock: true });
        break;
      case 'lock':
        edits.push({ op: 'lock', word });
        break;
      case 'sticky':
        edits.push({ op: 'sticky', word, locks: parseStickyLocks(e.locks ?? e.sticky ?? []) });
        break;
      case 'fwrite': {
        if (!e.file) throw new InputError('USAGE', `${where}: "file" is missing`);
        edits.push({ op: 'fwrite', word, data: await readInputFile(resolve(dirname(path), e.file)), lock: e.lock === true });
        break;
      }
      default:
        throw new InputError('USAGE', `${where}: unknown op "${e.op}" (write, write-lock, lock, sticky, fwrite)`);
    }
  }
  return edits;
}

export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new InputError('FILE', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
}
