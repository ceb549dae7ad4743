import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../errors.js';
import type { StickyLock } from '../../otp/request.js';
import { parseMac, formatMac } from '../../otp/mac.js';
import { SchemaChecker, type JsonSchema, type SchemaError } from './schema-check.js';
import { loadBinaryFile, loadCsvTable, parseU32, type CsvTable } from './value-sources.js';

/**
 * The provisioning plan (schema/plan.schema.json, version 1): the OTP edits every board gets and
 * where each value comes from. Loading checks the file against the shipped schema, then what a
 * schema cannot say (a MAC-pool edit needs a pool, a word edited twice, a CSV without the column),
 * then reads every CSV and binary file — so a bad plan stops the run before any board is opened.
 */

export type PlanValueSource =
  | { kind: 'literal'; value: number }
  | { kind: 'csv'; file: string; column: string; key: string }
  | { kind: 'macPool' }
  | { kind: 'file'; file: string; data: Buffer };

export interface PlanEdit {
  /** Position in the plan's `edits`, for messages (`$.edits[i]`). */
  index: number;
  op: 'write' | 'lock' | 'sticky' | 'fwrite';
  /** The words this edit touches (fwrite: every word the file covers). */
  words: number[];
  /** Permanent lock after the write (write-lock, or "lock": true). */
  lock: boolean;
  sticky?: StickyLock[];
  /** write and fwrite only. */
  source?: PlanValueSource;
}

export interface MacPoolSpec {
  /** The first address, `aa:bb:cc:dd:ee:ff`. */
  start: string;
  count: number;
  /** The state file, absolute. */
  statePath: string;
}

export interface ProvisionPlan {
  version: 1;
  /** The plan file, or "(plan object)". */
  source: string;
  /** Relative paths in the plan are relative to this folder. */
  baseDir: string;
  macPool?: MacPoolSpec;
  edits: PlanEdit[];
  /** CSV tables by absolute file name. */
  csv: Map<string, CsvTable>;
}

const MAC_SPACE = 2 ** 48;

let checker: SchemaChecker | undefined;

/** The shipped schema: schema/ at the package root, found from src/ and from dist/src/ alike. */
export function planSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schema', 'plan.schema.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('schema/plan.schema.json not found next to the package');
}

/** Loaded on first use (no work at import time). */
function schemaChecker(): SchemaChecker {
  checker ??= new SchemaChecker(JSON.parse(readFileSync(planSchemaPath(), 'utf8')) as JsonSchema);
  return checker;
}

function invalid(source: string, errors: SchemaError[]): InputError {
  const first = errors[0]!;
  const more = errors.length > 1 ? `\n${errors.slice(1, 8).map((e) => `  ${e.path}: ${e.message}`).join('\n')}` : '';
  return new InputError('PLAN_INVALID', `${source}: ${first.path}: ${first.message}${more}`, { details: { path: first.path, errors } });
}

/** Reads and checks a plan file; relative paths in it are relative to the file. */
export async function loadProvisionPlan(path: string): Promise<ProvisionPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError('FILE', `cannot read the plan ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err, details: { file: path } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError('PLAN_INVALID', `${path}: not JSON (${(err as Error).message})`, { cause: err, details: { path: '$' } });
  }
  return parseProvisionPlan(json, { baseDir: dirname(resolve(path)), source: path });
}

/** Checks a plan object (as parsed from JSON) and loads the files it names. */
export async function parseProvisionPlan(json: unknown, options: { baseDir?: string; source?: string } = {}): Promise<ProvisionPlan> {
  const source = options.source ?? '(plan object)';
  const baseDir = resolve(options.baseDir ?? '.');
  const errors = schemaChecker().check(json);
  if (errors.length) throw invalid(source, errors);
  const raw = json as { macPool?: { start: string; count: number; state: string }; edits: Record<string, unknown>[] };

  let macPool: MacPoolSpec | undefined;
  if (raw.macPool) {
    const start = parseMac(raw.macPool.start);
    const first = start.reduce((acc, b) => acc * 256 + b, 0);
    if (first + raw.macPool.count > MAC_SPACE) throw invalid(source, [{ path: '$.macPool.count', message: `${raw.macPool.count} addresses from ${formatMac(start)} run past ff:ff:ff:ff:ff:ff` }]);
    macPool = { start: formatMac(start), count: raw.macPool.count, statePath: resolve(baseDir, raw.macPool.state) };
    await checkStateFolder(macPool.statePath, source);
  }

  const edits: PlanEdit[] = [];
  const csv = new Map<string, CsvTable>();
  const owner = new Map<number, number>();
  for (const [index, e] of raw.edits.entries()) {
    const path = `$.edits[${index}]`;
    const edit = await toPlanEdit(e, index, path, baseDir, source, csv, macPool !== undefined);
    for (const w of edit.words) {
      if (w > 95) throw invalid(source, [{ path: `${path}.word`, message: `the file runs past the last OTP word (95): it covers words ${edit.words[0]}..${edit.words.at(-1)}` }]);
      const other = owner.get(w);
      if (other !== undefined) throw invalid(source, [{ path, message: `word ${w} is already edited by $.edits[${other}]: combine the two edits into one` }]);
      owner.set(w, index);
    }
    edits.push(edit);
  }
  return { version: 1, source, baseDir, ...(macPool ? { macPool } : {}), edits, csv };
}

/**
 * The state file is created on first use, but its folder must exist: found when the plan loads,
 * not when the first board's reservation fails after every port was opened.
 */
async function checkStateFolder(statePath: string, source: string): Promise<void> {
  const folder = dirname(statePath);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError('FILE', `${source}: $.macPool.state: the MAC pool state folder ${folder} does not exist (the state file is created there on first use)`, {
      details: { file: statePath, path: '$.macPool.state' },
    });
  }
}

async function toPlanEdit(
  e: Record<string, unknown>,
  index: number,
  path: string,
  baseDir: string,
  source: string,
  csv: Map<string, CsvTable>,
  hasPool: boolean,
): Promise<PlanEdit> {
  const op = e.op as string;
  const lock = op === 'write-lock' || e.lock === true;
  if (op === 'lock') {
    return { index, op: 'lock', words: e.words ? [...(e.words as number[])] : [e.word as number], lock: true };
  }
  if (op === 'sticky') return { index, op: 'sticky', words: [e.word as number], lock: false, sticky: e.locks as StickyLock[] };
  if (op === 'fwrite') {
    const file = resolve(baseDir, (e.from as { file: string }).file);
    const data = await loadBinaryFile(file, `${source}: ${path}.from.file`);
    if (data.length === 0 || data.length % 4 !== 0) {
      throw invalid(source, [{ path: `${path}.from.file`, message: `${file} has ${data.length} bytes: fwrite needs a non-empty whole number of 32-bit words` }]);
    }
    const first = e.word as number;
    return { index, op: 'fwrite', words: Array.from({ length: data.length / 4 }, (_, i) => first + i), lock, source: { kind: 'file', file, data } };
  }
  const sticky = e.sticky ? { sticky: e.sticky as StickyLock[] } : {};
  if (e.from === 'macPool') {
    if (!hasPool) throw invalid(source, [{ path: `${path}.from`, message: '"macPool" needs a "macPool": {"start", "count", "state"} at the top of the plan' }]);
    return { index, op: 'write', words: [...(e.words as number[])], lock, source: { kind: 'macPool' } };
  }
  if (e.from !== undefined) {
    const from = e.from as { csv: string; column: string; key?: string };
    const file = resolve(baseDir, from.csv);
    const key = from.key ?? 'uid';
    const table = csv.get(file) ?? (await loadCsvTable(file, key, [from.column], `${source}: ${path}.from`));
    for (const col of [key, from.column]) {
      if (!table.header.includes(col)) throw invalid(source, [{ path: `${path}.from`, message: `${file}: no column "${col}" in the header (${table.header.join(', ')})` }]);
    }
    csv.set(file, table);
    for (const [uid, row] of table.byKey) {
      if (parseU32(row.cells[from.column]) === null) {
        throw invalid(source, [{ path: `${path}.from`, message: `${file}:${row.line}: "${row.cells[from.column]}" (column "${from.column}", UID ${uid}) is not a 32-bit value` }]);
      }
    }
    return { index, op: 'write', words: [e.word as number], lock, ...sticky, source: { kind: 'csv', file, column: from.column, key } };
  }
  const value = parseU32(e.value);
  if (value === null) throw invalid(source, [{ path: `${path}.value`, message: `${JSON.stringify(e.value)} is not an unsigned 32-bit value` }]);
  return { index, op: 'write', words: [e.word as number], lock, ...sticky, source: { kind: 'literal', value } };
}
