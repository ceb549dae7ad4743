import type { Direction } from '../transport/transport.js';
import { parseCsv } from '../util/csv.js';
import { flip, invalid, parseCharValue, toCapture, type ByteEvent, type ImportedCapture, type ImportOptions } from './import-common.js';

/**
 * Saleae Logic 2 "Async Serial" analyzer export (Data table → Export to CSV):
 *   name,type,start_time,duration,data
 *   "TX","data",0.001200,0.0000955,0x7F
 * start_time in seconds; data as the analyzer's display radix: hex `0x7F`, decimal `127`, binary
 * `0b01111111` or ASCII `'\x7f'` / `'A'`. Either one file per direction (`dir`), or one file with
 * both analyzers told apart by their `name` (`txName` / `rxName`, else a name containing TX or RX).
 * The older Logic 1.x export (`Time [s],Value,...`) is accepted too (one direction per file).
 */
function parseValue(text: string): number | undefined {
  const s = text.trim();
  let v: number | undefined;
  if (/^0x[0-9a-f]+$/i.test(s)) v = parseInt(s.slice(2), 16);
  else if (/^0b[01_]+$/i.test(s)) v = parseInt(s.slice(2).replace(/_/g, ''), 2);
  else if (/^\d+$/.test(s)) v = parseInt(s, 10);
  else v = parseCharValue(s);
  return v !== undefined && v >= 0 && v <= 0xff ? v : undefined;
}

function nameDirection(name: string, options: ImportOptions): Direction | undefined {
  if (options.txName !== undefined && name === options.txName) return 'tx';
  if (options.rxName !== undefined && name === options.rxName) return 'rx';
  if (options.txName !== undefined || options.rxName !== undefined) return undefined;
  const tx = /tx/i.test(name);
  const rx = /rx/i.test(name);
  return tx && !rx ? 'tx' : rx && !tx ? 'rx' : undefined;
}

/**
 * Columns that flag a bad byte: Logic 2 `error` (e.g. "parity", "framing"), Logic 1.x `Parity Error` /
 * `Framing Error` ("Error"). An empty cell is a good byte.
 */
const ERROR_COLUMNS = [
  ['error', ''],
  ['parity error', 'parity'],
  ['framing error', 'framing'],
] as const;

/**
 * Parses one export file; `dir` forces the direction of every row. Bytes the analyzer flagged keep
 * their place (dropping them would shift every frame after) and add a line to `warnings`.
 */
export function parseSaleae(text: string, options: ImportOptions, dir: Direction | undefined, warnings: string[] = []): ByteEvent[] {
  const source = options.source ?? 'saleae export';
  const records = parseCsv(text, (line, message) => invalid(source, line, message)).map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }));
  const header = records[0];
  if (!header) throw invalid(source, undefined, 'empty file');
  const cols = header.cells.map((c) => c.toLowerCase());
  const logic2 = cols.includes('start_time') && cols.includes('data');
  const logic1 = cols.includes('time [s]') && cols.includes('value');
  if (!logic2 && !logic1) {
    throw invalid(source, header.line, 'not a Saleae async serial export: expected the header "name,type,start_time,duration,data" (Logic 2) or "Time [s],Value,..." (Logic 1)');
  }
  const timeCol = cols.indexOf(logic2 ? 'start_time' : 'time [s]');
  const dataCol = cols.indexOf(logic2 ? 'data' : 'value');
  const nameCol = cols.indexOf('name');
  const typeCol = cols.indexOf('type');
  const errorCols = ERROR_COLUMNS.map(([col, label]) => ({ index: cols.indexOf(col), label })).filter((c) => c.index >= 0);
  const rows: { t: number; name: string; byte: number; error?: { line: number; what: string } }[] = [];
  for (const { line, cells: f } of records.slice(1)) {
    if (typeCol >= 0 && f[typeCol] !== undefined && f[typeCol]!.toLowerCase() !== 'data') continue; // framing errors, markers
    const t = Number(f[timeCol]);
    const byte = parseValue(f[dataCol] ?? '');
    if (!Number.isFinite(t)) throw invalid(source, line, `start time ${JSON.stringify(f[timeCol] ?? '')} is not a number of seconds`);
    if (byte === undefined) throw invalid(source, line, `data ${JSON.stringify(f[dataCol] ?? '')} is not a byte (0x7F, 127, 0b01111111 or '\\x7f')`);
    const flagged = errorCols.filter((c) => (f[c.index] ?? '') !== '').map((c) => c.label || f[c.index]!.toLowerCase());
    const row: (typeof rows)[number] = { t: t * 1e6, name: nameCol >= 0 ? (f[nameCol] ?? '') : '', byte };
    if (flagged.length > 0) row.error = { line, what: flagged.join(' and ') };
    rows.push(row);
  }
  if (rows.length === 0) throw invalid(source, undefined, 'no data rows');
  const warn = (r: (typeof rows)[number], d: Direction): void => {
    if (r.error) warnings.push(`${source}:${r.error.line}: ${r.error.what} error on byte 0x${r.byte.toString(16).padStart(2, '0').toUpperCase()} (${d}): kept, but it may not be what was sent`);
  };
  if (dir) {
    const d = flip(dir, options.swap);
    return rows.map((r) => (warn(r, d), { t: r.t, dir: d, byte: r.byte }));
  }
  const names = [...new Set(rows.map((r) => r.name))];
  const map = new Map(names.map((n) => [n, nameDirection(n, options)]));
  const unknown = names.filter((n) => map.get(n) === undefined);
  if (unknown.length > 0) {
    throw invalid(
      source,
      undefined,
      `cannot tell the host's TX from its RX: analyzer name(s) ${names.map((n) => JSON.stringify(n)).join(', ')}; pass --tx-name/--rx-name, or export one file per direction (--tx-file/--rx-file, or --dir)`,
    );
  }
  return rows.map((r) => {
    const d = flip(map.get(r.name)!, options.swap);
    warn(r, d);
    return { t: r.t, dir: d, byte: r.byte };
  });
}

export function importSaleae(input: string | { tx?: string; rx?: string }, options: ImportOptions = {}): ImportedCapture {
  const source = options.source ?? 'saleae export';
  const warnings: string[] = [];
  if (typeof input === 'string') return { ...toCapture(parseSaleae(input, options, options.dir, warnings), options, `saleae:${source}`), warnings };
  const events: ByteEvent[] = [];
  if (input.tx !== undefined) events.push(...parseSaleae(input.tx, { ...options, source: `${source} (tx)` }, 'tx', warnings));
  if (input.rx !== undefined) events.push(...parseSaleae(input.rx, { ...options, source: `${source} (rx)` }, 'rx', warnings));
  if (events.length === 0) throw invalid(source, undefined, 'no file given');
  return { ...toCapture(events, options, `saleae:${source}`), warnings };
}
