import { loadDefaultFuses } from '../../emulator/board.js';
import { NAMED_WORD_IDS } from '../../otp/named-tables.js';
import type { SocFamily } from '../../protocol/constants.js';

/**
 * Fuses for the n-th of several emulated boards of one provisioning run (`--port emulator:N`), so
 * each has its own UID: the base set (the DK2 dump by default) with word 15 of the UID increased by
 * `index` (words 13-15, otp-structure.md "Named words"). Unless `keepMac`, the MAC words are blank and
 * unlocked too — a factory-fresh board, as a MAC pool expects — since the DK2 dump carries ST's MAC,
 * permanently locked. Status words and everything else are left as they are.
 */
export function emulatedBoardFuses(index: number, options: { soc?: SocFamily; base?: Uint8Array; keepMac?: boolean } = {}): Buffer {
  const soc = options.soc ?? 'STM32MP15';
  const fuses = Buffer.from(options.base ?? loadDefaultFuses(soc));
  const valueAt = (word: number): number => 8 + 8 * word;
  fuses.writeUInt32LE((fuses.readUInt32LE(valueAt(15)) + index) >>> 0, valueAt(15));
  if (!options.keepMac) {
    for (const words of NAMED_WORD_IDS[soc].macs) {
      for (const w of words) {
        fuses.writeUInt32LE(0, valueAt(w));
        fuses.writeUInt32LE(0, valueAt(w) + 4);
      }
    }
  }
  return fuses;
}

/** The index in `emulator:N`; a bare `emulator` gets `fallback` (its position among the ports). */
export function emulatorIndex(port: string, fallback: number): number | undefined {
  if (port === 'emulator') return fallback;
  const m = /^emulator:(\d+)$/.exec(port);
  return m ? Number(m[1]) : undefined;
}
