import path from 'node:path';
import { InputError } from '../errors.js';
import { Phase } from '../protocol/constants.js';

/**
 * The flashlayout TSV as the vendor tool and U-Boot read it (serial-boot.md "Flashlayout"; U-Boot
 * `cmd_stm32prog/stm32prog.c` parse_flash_layout): tab-separated columns
 * `#Opt Id Name Type IP Offset Binary`, `#` starts a comment line, empty lines and runs of tabs are
 * skipped, CR is ignored. Pure: paths are resolved against the TSV's folder but not opened here.
 * U-Boot skips the header as a comment; we check it (`checkHeader`) because it is the only place a
 * file says which column is which, and a layout written for another column order must not boot.
 */

/**
 * The header ST writes first in every layout (Starter Package, meta-st flashlayouts, TF-A's
 * stm32mp1 test layouts): `#Opt\tId\tName\tType\tIP\tOffset\tBinary`. Older ecosystem releases
 * named the fifth column `Device`; it holds the same values.
 */
export const FLASHLAYOUT_HEADER = ['Opt', 'Id', 'Name', 'Type', 'IP', 'Offset', 'Binary'] as const;
const HEADER_ALIASES: Readonly<Record<string, readonly string[]>> = { ip: ['ip', 'device'] };

/** Opt column values: `-` load only (the serial-boot stages), P program, E erase, D delete (skip). */
export const FLASHLAYOUT_OPTIONS = ['-', 'P', 'E', 'PE', 'PD', 'PED', 'D'] as const;
export type FlashlayoutOption = (typeof FLASHLAYOUT_OPTIONS)[number];

/** Type column: U-Boot's parse_type names ("Binary(N)" is N copies of a NAND FSBL). */
const TYPE_PATTERN = /^(Binary(\(\d+\))?|FIP|FWU_MDATA|ENV|ESP|System|FileSystem|RawImage)$/;
/** IP column: none, ram, or a device with its single-digit instance (U-Boot parse_ip). */
const IP_PATTERN = /^(none|ram|mmc[0-9]|nor[0-9]|nand[0-9]|spi-nand[0-9])$/;
/** Offset column: a number (hex or decimal) or an eMMC boot partition. */
const OFFSET_PATTERN = /^(0x[0-9a-fA-F]+|[0-9]+|boot[12])$/;

/** Highest partition id a layout row may carry (U-Boot PHASE_LAST_USER). */
const LAST_USER_PHASE = 0xf0;

export interface FlashlayoutRow {
  /** 1-based line number in the file. */
  line: number;
  option: FlashlayoutOption;
  id: number;
  name: string;
  type: string;
  ip: string;
  offset: string;
  /** As written in the file; undefined when the column is absent or "none". */
  binary: string | undefined;
  /** `binary` resolved against the TSV's folder. */
  binaryPath: string | undefined;
}

export interface Flashlayout {
  file: string;
  rows: FlashlayoutRow[];
}

/** Parses the TSV text; `file` names it in errors and anchors the relative binary paths. */
export function parseFlashlayout(text: string, file: string): Flashlayout {
  const dir = path.dirname(file);
  const rows: FlashlayoutRow[] = [];
  const lines = text.split('\n');
  let headerSeen = false;
  lines.forEach((raw, index) => {
    const line = index + 1;
    // A BOM is what an editor on Windows may put before the header.
    const content = raw.replace(/\r/g, '').replace(/^\uFEFF/, '');
    const fail = (what: string): never => {
      throw new InputError('LAYOUT_INVALID', `${file}:${line}: ${what}`, { details: { file, line } });
    };
    // The header is the first '#Opt' line before any row; later '#' lines are only comments.
    if (!headerSeen && rows.length === 0 && /^#opt\b/i.test(content)) {
      headerSeen = true;
      const why = checkHeader(content);
      if (why) fail(why);
      return;
    }
    if (content.trim() === '' || content.startsWith('#')) return;
    const cols = content.split('\t').filter((c) => c.trim() !== '').map((c) => c.trim());
    if (cols.length < 6) fail(`${cols.length} column(s), expected Opt, Id, Name, Type, IP, Offset and Binary separated by tabs (spaces instead of tabs?)`);
    if (cols.length > 7) fail(`${cols.length} columns, expected at most 7 (Opt Id Name Type IP Offset Binary)`);
    const [opt, idText, name, type, ip, offset, binaryText] = cols as [string, string, string, string, string, string, string | undefined];
    if (!(FLASHLAYOUT_OPTIONS as readonly string[]).includes(opt)) fail(`option '${opt}' is not one of ${FLASHLAYOUT_OPTIONS.join(', ')}`);
    if (!/^0x[0-9a-fA-F]{1,2}$/.test(idText)) fail(`id '${idText}' is not a hex partition id like 0x01`);
    const id = parseInt(idText, 16);
    if (id === Phase.FLASHLAYOUT || id > LAST_USER_PHASE) fail(`id ${idText} is outside 0x01..0xf0 (0x00 is the flashlayout itself)`);
    if (!TYPE_PATTERN.test(type)) fail(`type '${type}' is not one of Binary, FIP, System, FileSystem, RawImage, ENV, FWU_MDATA, ESP`);
    if (!IP_PATTERN.test(ip)) fail(`IP '${ip}' is not none, ram, or a device with its number (mmc0, nor0, nand0, spi-nand0)`);
    if (!OFFSET_PATTERN.test(offset)) fail(`offset '${offset}' is not a number (0x...) nor boot1/boot2`);
    const duplicate = rows.find((r) => r.id === id);
    if (duplicate) fail(`id ${idText} is already used on line ${duplicate.line}`);
    const binary = binaryText === undefined || binaryText === 'none' ? undefined : binaryText;
    rows.push({
      line,
      option: opt as FlashlayoutOption,
      id,
      name,
      type,
      ip,
      offset,
      binary,
      binaryPath: binary === undefined ? undefined : path.resolve(dir, binary),
    });
  });
  if (rows.length === 0) throw new InputError('LAYOUT_INVALID', `${file}: no partition rows (only comments or empty lines)`, { details: { file } });
  return { file, rows };
}

/**
 * Why a header line (`#Opt...`) does not name ST's columns in ST's order, or undefined when it does.
 * Names are compared without case; tabs or spaces may separate them.
 */
export function checkHeader(content: string): string | undefined {
  const names = content.slice(1).trim().split(/[\t ]+/);
  const expected = FLASHLAYOUT_HEADER.join(' ');
  const wrong = FLASHLAYOUT_HEADER.findIndex((want, i) => {
    const got = names[i]?.toLowerCase();
    return got === undefined || !(HEADER_ALIASES[want.toLowerCase()] ?? [want.toLowerCase()]).includes(got);
  });
  if (wrong === -1 && names.length === FLASHLAYOUT_HEADER.length) return undefined;
  const where =
    wrong === -1
      ? `has ${names.length} columns, expected ${FLASHLAYOUT_HEADER.length}`
      : names[wrong] === undefined
        ? `column ${wrong + 1} (${FLASHLAYOUT_HEADER[wrong]}) is missing`
        : `column ${wrong + 1} is '${names[wrong]}', expected '${FLASHLAYOUT_HEADER[wrong]}'`;
  return `header ${where}: a layout's columns are #${expected} (ST's header), or the rows cannot be read`;
}

export interface SerialBootRows {
  /** Phase 0x01: the FSBL (TF-A `.stm32`) the ROM code takes. */
  fsbl: FlashlayoutRow & { binaryPath: string };
  /** Phase 0x03: the FIP TF-A takes. */
  ssbl: FlashlayoutRow & { binaryPath: string };
}

/**
 * The rows a serial boot loads: Opt `-` (load only) with IP `none` — 0x01 to the ROM, 0x03 to TF-A
 * (serial-boot.md "Flashlayout").
 */
export function serialBootRows(layout: Flashlayout): SerialBootRows {
  const pick = (id: number, what: string): FlashlayoutRow & { binaryPath: string } => {
    const row = layout.rows.find((r) => r.id === id);
    if (!row) throw new InputError('LAYOUT_INVALID', `${layout.file}: no row for ${what} (id 0x${id.toString(16).padStart(2, '0')}, Opt '-', IP none): a serial boot needs it`, { details: { file: layout.file } });
    const where = `${layout.file}:${row.line}`;
    if (row.option !== '-' || row.ip !== 'none') {
      throw new InputError('LAYOUT_INVALID', `${where}: ${what} row has Opt '${row.option}' and IP '${row.ip}'; a serial boot loads it with Opt '-' and IP none`, {
        details: { file: layout.file, line: row.line },
      });
    }
    if (row.binaryPath === undefined) {
      throw new InputError('LAYOUT_INVALID', `${where}: ${what} row names no Binary file`, { details: { file: layout.file, line: row.line } });
    }
    return row as FlashlayoutRow & { binaryPath: string };
  };
  return { fsbl: pick(Phase.FSBL, 'the FSBL'), ssbl: pick(Phase.SSBL, 'the SSBL (FIP)') };
}
