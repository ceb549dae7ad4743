import { InputError } from '../errors.js';
import type { SocFamily } from '../protocol/constants.js';
import { NAMED_WORD_IDS } from './named-tables.js';
import type { OtpStructure } from './structure.js';

/**
 * Ethernet MAC addresses in OTP (shared/spec/otp-structure.md "Named words"; U-Boot
 * `setup_mac_address`): the six bytes are stored little-endian across consecutive words. MP15 has
 * one MAC at words 57..58 (bytes 0..3 in w57, 4..5 in the low half of w58). MP13 has two: MAC0 the
 * same way, MAC1 in the high half of w58 and all of w59 — so word 58 is shared between the two.
 */

/** Which byte of which word holds MAC byte i: [word, byte-in-word] per MAC index and SoC. */
function macByteSlots(soc: SocFamily, index: number): [number, number][] {
  const macs = NAMED_WORD_IDS[soc].macs;
  if (!Number.isInteger(index) || index < 0 || index >= macs.length) {
    throw new InputError('USAGE', `${soc} has ${macs.length} MAC address${macs.length === 1 ? '' : 'es'} in OTP (index 0${macs.length > 1 ? `..${macs.length - 1}` : ''}); ${index} is not one`, {
      details: { soc, index },
    });
  }
  const [first, second] = macs[index]!;
  // MAC1 on MP13 starts in the upper half of its first word.
  const startByte = index === 1 ? 2 : 0;
  const slots: [number, number][] = [];
  for (let i = 0; i < 6; i++) {
    const pos = startByte + i;
    slots.push([pos < 4 ? first! : second!, pos % 4]);
  }
  return slots;
}

/** Parses `00:80:e1:42:48:e4`, `00-80-E1-42-48-E4` or `0080e14248e4` into six bytes. */
export function parseMac(text: string): Uint8Array {
  const t = text.trim();
  const m = /^([0-9a-f]{2})([:-]?)([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(t);
  if (!m) {
    throw new InputError('USAGE', `"${text}" is not a MAC address: write six hex bytes like 00:80:e1:42:48:e4`, { details: { mac: text } });
  }
  return Uint8Array.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h!, 16)));
}

/** Six bytes as lower-case `aa:bb:cc:dd:ee:ff`. */
export function formatMac(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => (b & 0xff).toString(16).padStart(2, '0')).join(':');
}

/** The MAC bytes stored at `index` in a structure (no validity judgement). */
export function macBytesFromStructure(s: OtpStructure, soc: SocFamily, index = 0): Uint8Array {
  return Uint8Array.from(macByteSlots(soc, index), ([word, byte]) => ((s.words[word]?.value ?? 0) >>> (8 * byte)) & 0xff);
}

/** Word ids holding MAC `index`. */
export function macWordIds(soc: SocFamily, index = 0): number[] {
  return [...new Set(macByteSlots(soc, index).map(([w]) => w))];
}

/** All zero (never programmed) or all 0xFF (the MP13 "unset" convention) is no address. */
export function isMacUnset(bytes: ArrayLike<number>): boolean {
  const all = Array.from(bytes);
  return all.every((b) => b === 0) || all.every((b) => b === 0xff);
}

/**
 * The word values that store `mac` at `index`: `{57: ..., 58: ...}` keyed by word id (the inverse of
 * the MAC decoding, e.g. for provisioning). On MP13, word 58 is shared by MAC0 and MAC1: pass
 * `options.current` and the other MAC's half already on the board is kept, so the write needs no 1→0.
 */
export function macToWords(mac: string | ArrayLike<number>, soc: SocFamily, index = 0, options: { current?: OtpStructure } = {}): Record<number, number> {
  const bytes = typeof mac === 'string' ? parseMac(mac) : Uint8Array.from(mac);
  if (bytes.length !== 6) throw new InputError('USAGE', `a MAC address has 6 bytes, not ${bytes.length}`, { details: { length: bytes.length } });
  const slots = macByteSlots(soc, index);
  const out: Record<number, number> = {};
  const covered: Record<number, number> = {};
  slots.forEach(([word, byte], i) => {
    out[word] = ((out[word] ?? 0) | (bytes[i]! << (8 * byte))) >>> 0;
    covered[word] = ((covered[word] ?? 0) | (0xff << (8 * byte))) >>> 0;
  });
  if (options.current) {
    for (const key of Object.keys(out)) {
      const word = Number(key);
      const other = (options.current.words[word]?.value ?? 0) & ~covered[word]!;
      out[word] = (out[word]! | other) >>> 0;
    }
  }
  return out;
}
