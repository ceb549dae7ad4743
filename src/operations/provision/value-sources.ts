import { readFile } from 'node:fs/promises';
import { parseCsv as parseCsvRecords, type CsvRecord } from '../../util/csv.js';
import { InputError } from '../../errors.js';

/**
 * Where a plan's values come from besides literals: a CSV keyed by the board UID, and binary files.
 * Everything is read once when the plan loads, so a missing file or a malformed row stops the run
 * before any board is touched.
 */

/** A board UID as `uidOf()` returns it: words 13..15 in hex, word 13 first (otp-structure.md). */
export const UID_PATTERN = /^[0-9a-f]{24}$/;

export function normalizeUid(text: string): string {
  return text.trim().toLowerCase().replace(/[\s:-]/g, '');
}

export interface CsvTable {
  file: string;
  header: string[];
  /** Rows by the key column's value (normalized UID). */
  byKey: Map<string, { line: number; cells: Record<string, string> }>;
}

function planInvalid(message: string, path: string): InputError {
  return new InputError('PLAN_INVALID', message, { details: { path } });
}

/** RFC 4180 records (src/util/csv.ts), an unclosed quote being a PLAN_INVALID error. */
export function parseCsv(text: string): CsvRecord[] {
  return parseCsvRecords(text, (line, message) => new InputError('PLAN_INVALID', `line ${line}: ${message}`, { details: { line } }));
}

/** Reads a CSV with a header line, indexed by its `key` column (board UIDs). */
export async function loadCsvTable(file: string, key: string, columns: readonly string[], where: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('FILE', `${where}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err, details: { file } });
  }
  let records: { line: number; cells: string[] }[];
  try {
    records = parseCsv(text);
  } catch (err) {
    throw planInvalid(`${file}: ${(err as Error).message}`, where);
  }
  if (records.length === 0) throw planInvalid(`${file} is empty: it needs a header line with the columns "${key}" and ${columns.map((c) => `"${c}"`).join(', ')}`, where);
  const header = records[0]!.cells.map((h) => h.trim());
  for (const col of [key, ...columns]) {
    if (!header.includes(col)) throw planInvalid(`${file}: no column "${col}" in the header (${header.join(', ')})`, where);
  }
  const byKey = new Map<string, { line: number; cells: Record<string, string> }>();
  for (const { line, cells } of records.slice(1)) {
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = (cells[i] ?? '').trim()));
    const uid = normalizeUid(row[key]!);
    if (!UID_PATTERN.test(uid)) throw planInvalid(`${file}:${line}: "${row[key]}" in column "${key}" is not a board UID (24 hex digits, words 13-15)`, where);
    const previous = byKey.get(uid);
    if (previous) throw planInvalid(`${file}:${line}: UID ${uid} is already on line ${previous.line}`, where);
    byKey.set(uid, { line, cells: row });
  }
  return { file, header, byKey };
}

/** A binary file for fwrite (little-endian words, as the vendor tool reads them). */
export async function loadBinaryFile(file: string, where: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new InputError('FILE', `${where}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err, details: { file } });
  }
}

/** A u32 from a plan or a CSV cell: a number, or decimal / 0x hex / 0b binary text; null if not. */
export function parseU32(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (!/^(0x[0-9a-f]+|0b[01]+|\d+)$/i.test(t)) return null;
  const n = BigInt(t);
  return n <= 0xffffffffn ? Number(n) : null;
}
