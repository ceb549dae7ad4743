import type { SocFamily } from '../protocol/constants.js';
import { formatWord, hexN, isBitSet, readField } from './bits.js';
import { decodeGlobalState, type GlobalStateInfo } from './global-state.js';
import { formatMac, isMacUnset, macBytesFromStructure, macWordIds } from './mac.js';
import {
  BOARD_ID_FIELDS,
  HW2_BITS,
  MP13_CFG0_FIELD,
  MP13_CFG0_STATES,
  MP15_BOOT_SOURCE_DISABLE_BITS,
  MP15_BOOT_SOURCES,
  MP15_CFG3_FIELDS,
  MP15_CLOSED_BIT,
  MP15_HSE,
  MP15_PACKAGE_FIELD,
  MP15_PACKAGES,
  NAMED_WORD_IDS,
  PART_NUMBER_FIELD,
  PART_NUMBERS,
  TS_CAL1_FIELD,
  TS_CAL2_FIELD,
  VREFINT_FIELD,
} from './named-tables.js';
import { STATUS, statusFlags, type StatusFlag } from './status.js';
import type { OtpStructure } from './structure.js';

/**
 * Named OTP words decoded for display (shared/spec/otp-structure.md "Named words"). Every entry says
 * which OTP words it comes from (`words`) and has a one-line `text`. A word whose status carries the
 * read-error bit has no valid value, so an entry built on it is `{ words, readError: true, text }`
 * rather than a decoding of the 0 the firmware puts there. A value no table names is reported as
 * unknown with its hex ("unknown part number 0x42"), never guessed.
 */

interface Base {
  words: number[];
  text: string;
}
export interface Unreadable extends Base {
  readError: true;
}
/** A decoded entry, or the marker that one of its words could not be read. */
export type Named<T> = (T & Base) | Unreadable;

export interface CodeText {
  raw: number;
  text: string;
}
export interface SecurityInfo {
  raw: number;
  state: 'open' | 'closed' | 'closed-no-boundary-scan' | 'closed-no-jtag' | 'invalid';
  /** null when the value is invalid (MP13: TF-A refuses to boot). */
  closed: boolean | null;
}
export interface PartNumberInfo {
  raw: number;
  name: string | null;
}
export interface PackageInfo {
  raw: number;
  code: string | null;
  name: string | null;
}
export interface BootInfo {
  raw: number;
  hse: CodeText;
  primarySource: CodeText;
  secondarySource: CodeText;
  disabledSources: string[];
  romDataCacheOff: boolean;
  uartInstancesDisable: { raw: number; disabledInstanceBits: number[]; text: string };
}
export interface MacInfo {
  index: number;
  address: string;
  set: boolean;
}
export interface BoardIdInfo {
  raw: number;
  board: string | null;
  variant: string | null;
  revision: string | null;
  bom: number | null;
}
export interface Hw2Info {
  raw: number;
  iwdgHwEnable: boolean;
  iwdgFreezeStop: boolean;
  iwdgFreezeStandby: boolean;
  lowVoltageIo: boolean;
}

export type NamedWords = {
  soc: SocFamily;
  /** Not an OTP word: word 1 of the structure (the BSEC global state). */
  bsecState: GlobalStateInfo & { words: number[] };
  security: Named<SecurityInfo>;
  partNumber: Named<PartNumberInfo>;
  package?: Named<PackageInfo>;
  device: Named<{ name: string | null }>;
  boot?: Named<BootInfo>;
  monotonicCounter: Named<{ value: number }>;
  nandConfig: Named<{ raw: number }>;
  nand2Config?: Named<{ raw: number }>;
  uid: Named<{ values: number[]; hex: string }>;
  serialNumber: Named<{ value: string }>;
  hw2: Named<Hw2Info>;
  vrefint: Named<{ calibration: number }>;
  tsCal: Named<{ tsCal1: number; tsCal2: number }>;
  oemKeyHash: Named<{ programmed: boolean; sha256: string }>;
  /** The first MAC (MP15's only one). */
  mac: Named<MacInfo>;
  macs: Named<MacInfo>[];
  boardId: Named<BoardIdInfo>;
  /** MP13 only: the lock state of the secret key words, never their value. */
  fsblKey?: Base & { locks: { word: number; flags: StatusFlag[] }[]; permanentlyLocked: boolean };
};

const hex8 = (n: number): string => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');

/** Reads `ids` of `s`; when one has a read error, builds the Unreadable marker instead of `make`. */
function named<T>(s: OtpStructure, ids: readonly number[], make: (values: number[]) => T & { text: string }): Named<T> {
  const words = [...ids];
  const bad = words.filter((id) => ((s.words[id]?.status ?? 0) & STATUS.READ_ERROR) !== 0);
  if (bad.length > 0) return { words, readError: true, text: `unreadable: read error on word ${bad.join(', ')}` };
  return { words, ...make(words.map((id) => s.words[id]?.value ?? 0)) };
}

function decodeSecurity(v: number, soc: SocFamily): SecurityInfo & { text: string } {
  if (soc === 'STM32MP15') {
    const closed = isBitSet(v, MP15_CLOSED_BIT);
    return { raw: v, state: closed ? 'closed' : 'open', closed, text: closed ? 'closed (bit 6 set): only signed images boot' : 'open (bit 6 clear)' };
  }
  const mode = readField(v, MP13_CFG0_FIELD);
  const known = MP13_CFG0_STATES[mode as keyof typeof MP13_CFG0_STATES];
  if (known) return { raw: v, state: known.state, closed: known.closed, text: `${known.text} (bits 9:0 = ${hexN(mode)})` };
  return { raw: v, state: 'invalid', closed: null, text: `invalid CFG0 value ${hexN(mode)} in bits 9:0 (TF-A refuses to boot)` };
}

function decodePartNumber(v: number, soc: SocFamily): PartNumberInfo & { text: string } {
  const raw = readField(v, PART_NUMBER_FIELD[soc]);
  const name = PART_NUMBERS[soc][raw] ?? null;
  return { raw, name, text: name ?? `unknown part number ${hexN(raw)}` };
}

function decodePackage(v: number): PackageInfo & { text: string } {
  const raw = readField(v, MP15_PACKAGE_FIELD);
  const p = MP15_PACKAGES[raw];
  return p ? { raw, code: p.code, name: p.name, text: `${p.code} (${p.name})` } : { raw, code: null, name: null, text: `unknown package ${hexN(raw)}` };
}

function codeText(raw: number, table: Readonly<Record<number, string>>, what: string): CodeText {
  return { raw, text: table[raw] ?? `unknown ${what} ${raw}` };
}

function decodeBoot(v: number): BootInfo & { text: string } {
  const f = MP15_CFG3_FIELDS;
  const hse = codeText(readField(v, f.hse), MP15_HSE, 'HSE setting');
  const primarySource = codeText(readField(v, f.primarySource), MP15_BOOT_SOURCES, 'boot source');
  const secondarySource = codeText(readField(v, f.secondarySource), MP15_BOOT_SOURCES, 'boot source');
  const disabledSources: string[] = MP15_BOOT_SOURCE_DISABLE_BITS.filter((b) => isBitSet(v, b.bit)).map((b) => b.source);
  if (isBitSet(v, 23)) disabledSources.push('unknown source (bit 23)');
  const uartRaw = readField(v, f.uartInstancesDisable);
  // 0 and 0xFF both leave every instance enabled: 0xFF is the ROM's guard against a half-burnt field.
  const effective = uartRaw === 0 || uartRaw === 0xff ? [] : [0, 1, 2, 3, 4, 5, 6, 7].filter((b) => isBitSet(uartRaw, b));
  const uartText =
    effective.length === 0 ? `all enabled (${hexN(uartRaw, 2)})` : `instance bits ${effective.join(', ')} disabled (${hexN(uartRaw, 2)})`;
  const romDataCacheOff = isBitSet(v, f.romDataCacheOff.lsb);
  const text = [
    `HSE ${hse.text}`,
    `primary ${primarySource.text}, secondary ${secondarySource.text}`,
    disabledSources.length ? `disabled: ${disabledSources.join(', ')}` : 'no boot source disabled',
    `UART instances ${uartText}`,
    ...(romDataCacheOff ? ['ROM data cache off'] : []),
  ].join('; ');
  return {
    raw: v,
    hse,
    primarySource,
    secondarySource,
    disabledSources,
    romDataCacheOff,
    uartInstancesDisable: { raw: uartRaw, disabledInstanceBits: effective, text: uartText },
    text,
  };
}

function decodeHw2(v: number): Hw2Info & { text: string } {
  const flags = Object.fromEntries(HW2_BITS.map((b) => [b.key, isBitSet(v, b.bit)])) as Record<(typeof HW2_BITS)[number]['key'], boolean>;
  const on = HW2_BITS.filter((b) => flags[b.key]).map((b) => b.description);
  return { raw: v, ...flags, text: `${formatWord(v)}${on.length ? `: ${on.join('; ')}` : ': no named option set'}` };
}

function decodeBoardId(v: number): BoardIdInfo & { text: string } {
  if (v === 0) return { raw: 0, board: null, variant: null, revision: null, bom: null, text: 'not programmed' };
  const f = BOARD_ID_FIELDS;
  // TF-A/U-Boot print the board number as hex digits and the revision as 'A' - 1 + n.
  const board = `MB${readField(v, f.board).toString(16).padStart(4, '0')}`;
  const variant = `${readField(v, f.variantCpn)}.${readField(v, f.variantFg)}`;
  const revision = String.fromCharCode(0x40 + readField(v, f.revision));
  const bom = readField(v, f.bom);
  return { raw: v, board, variant, revision, bom, text: `${board} Var${variant} Rev.${revision}-${String(bom).padStart(2, '0')}` };
}

function decodeMac(s: OtpStructure, soc: SocFamily, index: number): Named<MacInfo> {
  return named(s, macWordIds(soc, index), () => {
    const bytes = macBytesFromStructure(s, soc, index);
    const address = formatMac(bytes);
    const set = !isMacUnset(bytes);
    return { index, address, set, text: set ? address : `not set (${address})` };
  });
}

/** Decodes every named word of `soc` from a structure into a plain JSON-able object. */
export function decodeNamedWords(s: OtpStructure, soc: SocFamily): NamedWords {
  const ids = NAMED_WORD_IDS[soc];
  const partNumber = named(s, [ids.partNumber], ([v]) => decodePartNumber(v!, soc));
  const pkg = ids.package !== undefined ? named(s, [ids.package], ([v]) => decodePackage(v!)) : undefined;
  const deviceWords = [ids.partNumber, ...(ids.package !== undefined ? [ids.package] : [])];
  const device = named(s, deviceWords, () => {
    const pn = 'name' in partNumber ? partNumber.name : null;
    const pk = pkg === undefined ? '' : 'code' in pkg ? pkg.code : null;
    const name = pn !== null && pk !== null ? `${pn}${pk}` : null;
    return { name, text: name ?? `unknown (${pkg === undefined ? 'part number' : 'part number or package'} unknown)` };
  });
  const uid = named(s, ids.uid, (values) => {
    const hex = values.map(hex8).join('');
    return { values, hex, text: hex };
  });
  const macs = ids.macs.map((_, i) => decodeMac(s, soc, i));
  const out: NamedWords = {
    soc,
    bsecState: { words: [], ...decodeGlobalState(s.globalState) },
    security: named(s, [ids.cfg0], ([v]) => decodeSecurity(v!, soc)),
    partNumber,
    ...(pkg ? { package: pkg } : {}),
    device,
    ...(ids.bootCfg3 !== undefined ? { boot: named(s, [ids.bootCfg3], ([v]) => decodeBoot(v!)) } : {}),
    monotonicCounter: named(s, [ids.monotonicCounter], ([v]) => ({ value: v!, text: `${v} (${formatWord(v!)})` })),
    nandConfig: named(s, [ids.nandConfig], ([v]) => ({ raw: v!, text: formatWord(v!) })),
    ...(ids.nand2Config !== undefined ? { nand2Config: named(s, [ids.nand2Config], ([v]) => ({ raw: v!, text: formatWord(v!) })) } : {}),
    uid,
    // U-Boot `setup_serial_number`: the three UID words as %08X, word 13 first.
    serialNumber: named(s, ids.uid, (values) => {
      const value = values.map(hex8).join('');
      return { value, text: value };
    }),
    hw2: named(s, [ids.hw2], ([v]) => decodeHw2(v!)),
    vrefint: named(s, [ids.vrefint], ([v]) => {
      const calibration = readField(v!, VREFINT_FIELD);
      return { calibration, text: `${hexN(calibration, 4)} (${calibration})` };
    }),
    tsCal: named(s, [ids.tsCal], ([v]) => {
      const tsCal1 = readField(v!, TS_CAL1_FIELD);
      const tsCal2 = readField(v!, TS_CAL2_FIELD);
      return { tsCal1, tsCal2, text: `TS_CAL1 ${hexN(tsCal1, 4)} (${tsCal1}), TS_CAL2 ${hexN(tsCal2, 4)} (${tsCal2})` };
    }),
    // TF-A `plat_get_rotpk_info` byte-swaps each word: the digest is the words' big-endian bytes.
    oemKeyHash: named(s, ids.oemKeyHash, (values) => {
      const sha256 = values.map(hex8).join('').toLowerCase();
      const programmed = values.some((v) => v !== 0);
      return { programmed, sha256, text: programmed ? sha256 : 'not programmed' };
    }),
    mac: macs[0]!,
    macs,
    boardId: named(s, [ids.boardId], ([v]) => decodeBoardId(v!)),
  };
  if (ids.fsblKey) {
    const locks = ids.fsblKey.map((word) => ({ word, flags: statusFlags(s.words[word]?.status ?? 0) }));
    const permanentlyLocked = locks.every((l) => l.flags.includes('permanent-lock'));
    const lockedCount = locks.filter((l) => l.flags.includes('permanent-lock')).length;
    out.fsblKey = {
      words: [...ids.fsblKey],
      locks,
      permanentlyLocked,
      text: permanentlyLocked ? 'all 4 words permanently locked (value not shown)' : `${lockedCount} of 4 words permanently locked (value not shown)`,
    };
  }
  return out;
}
