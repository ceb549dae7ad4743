/** The last phase id a flashlayout partition may have (U-Boot `PHASE_LAST_USER`). */
export const PHASE_LAST_USER = 0xf0;

export interface LayoutPartition {
  id: number;
  name: string;
  /** 'P' present: the partition is programmed (U-Boot `OPT_SELECT`). */
  select: boolean;
  /** 'E': erased, not programmed (`OPT_EMPTY`). */
  empty: boolean;
  ip: string;
}

export type LayoutResult = { ok: true; parts: LayoutPartition[] } | { ok: false; error: string };

const TYPES = /^(Binary(\(\d+\))?|FIP|System|FileSystem|RawImage)$/;
const IPS = /^(none|ram\d?|mmc\d|nor\d|nand\d|spi-nand\d)$/;

/**
 * What U-Boot's `parse_flash_layout` (stm32prog.c) keeps of a downloaded flashlayout TSV: per row
 * the option, phase id, name, type, IP and offset, in order; '#' lines and empty lines skipped,
 * runs of tabs collapsed. The messages are U-Boot's, so Get Phase shows what a board would.
 * An STM32-image-wrapped layout (v1 header) is unwrapped first.
 */
export function parseLayout(bytes: Buffer): LayoutResult {
  let body = bytes;
  if (body.length >= 256 && body.readUInt32LE(0) === 0x324d5453) body = body.subarray(256, 256 + body.readUInt32LE(0x4c));
  if (body.length === 0) return { ok: false, error: 'Layout: invalid FlashLayout' };
  const text = body.toString('latin1').split('\0')[0]!.replace(/\r/g, '');
  const parts: LayoutPartition[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line.startsWith('#')) continue;
    const cols = line.split('\t').filter((c) => c.length > 0);
    if (cols.length === 0) continue;
    if (cols.length < 6) return { ok: false, error: `Layout line ${n}: no enought column` };
    const [opt, idText, name, type, ip, offset] = cols as [string, string, string, string, string, string];
    let select = false;
    let empty = false;
    if (opt !== '-') {
      for (const c of opt) {
        if (c === 'P') select = true;
        else if (c === 'E') empty = true;
        else if (c !== 'D') return { ok: false, error: `Layout line ${n}: invalid option '${c}' in ${opt})` };
      }
      if (!select) return { ok: false, error: `Layout line ${n}: missing 'P' in option ${opt}` };
    }
    const id = /^(0x[0-9a-fA-F]+|\d+)$/.test(idText) ? Number(idText) : Number.NaN;
    if (!Number.isInteger(id) || id > PHASE_LAST_USER) return { ok: false, error: `Layout line ${n}: invalid phase value = ${idText}` };
    if (name.length >= 32) return { ok: false, error: `Layout line ${n}: partition name too long [${name.length}]: ${name}` };
    if (!TYPES.test(type)) return { ok: false, error: `Layout line ${n}: type parsing error : '${type}'` };
    if (!IPS.test(ip)) return { ok: false, error: `Layout line ${n}: ip parsing error: '${ip}'` };
    if (!/^(boot[12]|0x[0-9a-fA-F]+|\d+)$/.test(offset)) return { ok: false, error: `Layout line ${n}: invalid offset '${offset}'` };
    parts.push({ id, name, select, empty, ip });
  }
  if (parts.length === 0) return { ok: false, error: 'Layout: no partition found' };
  return { ok: true, parts };
}

/** U-Boot `stm32prog_next_phase`: the next selected, non-empty partition after `phase`, else END. */
export function nextPhase(parts: readonly LayoutPartition[], phase: number): { phase: number; part: LayoutPartition | undefined } {
  for (let p = phase + 1; p <= PHASE_LAST_USER; p++) {
    const part = parts.find((x) => x.id === p);
    if (part && part.select && !part.empty) return { phase: p, part };
  }
  return { phase: 0xfe, part: undefined };
}
