import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import type { SocFamily } from '../protocol/constants.js';
import { OTP_LAYOUTS, OTP_STRUCT_VERSION } from '../otp/layout.js';
import { STATUS } from '../otp/status.js';

const DK2_FILE = 'stm32mp157c-dk2-otp.bin';

/** The bundled DK2 dump: assets/ at the package root, found from src/ and from dist/src/ alike. */
function findAsset(name: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'assets', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

const PERM = STATUS.PERMANENT_LOCK;
const BOOT_STICKY = STATUS.STICKY_SHADOW_WRITE_LOCK | STATUS.STICKY_SHADOW_READ_LOCK;

/**
 * A plausible STM32MP135F-DK (not a real dump): open device (CFG0 0x17), part number 0x800 (135F),
 * a UID, two MACs 00:80:e1:4a:10:22 / :23, board id MB1635 Var1.0 Rev.E-02; locks in the style of
 * the DK2 read (sticky shadow locks on word 0, permanent locks on factory words).
 */
const MP13_WORDS: readonly [word: number, value: number, status: number][] = [
  [0, 0x00000017, BOOT_STICKY],
  [1, 0x00000800, PERM | STATUS.STICKY_SHADOW_WRITE_LOCK],
  [13, 0x0022003a, PERM],
  [14, 0x33315114, PERM],
  [15, 0x30373934, PERM],
  [57, 0x4ae18000, PERM],
  [58, 0x80002210, PERM],
  [59, 0x23104ae1, PERM],
  [60, 0x16351502, PERM],
];

function generatedMp13(): Buffer {
  const size = OTP_LAYOUTS.STM32MP13.size;
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(OTP_STRUCT_VERSION, 0);
  for (const [word, value, status] of MP13_WORDS) {
    buf.writeUInt32LE(value >>> 0, 8 + 8 * word);
    buf.writeUInt32LE(status >>> 0, 12 + 8 * word);
  }
  return buf;
}

/** The emulated board's fuses when none are given: the DK2 dump (MP15) or a generated MP13 set. */
export function loadDefaultFuses(soc: SocFamily): Buffer {
  if (soc === 'STM32MP13') return generatedMp13();
  const path = findAsset(DK2_FILE);
  if (!path) throw new InputError('FILE', `the bundled fuse file assets/${DK2_FILE} is missing from this installation; pass --fuses FILE`);
  return readFileSync(path);
}

/** The PMIC NVM (STPMIC1 shadow registers 0xF8..0xFF) of a fresh emulated board: illustrative bytes. */
export const DEFAULT_PMIC_NVM: readonly number[] = [0xee, 0x92, 0xc0, 0x02, 0xf2, 0x80, 0x02, 0x33];
