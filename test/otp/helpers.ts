import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SocFamily } from '../../src/protocol/constants.js';
import { statusFlags } from '../../src/otp/status.js';
import { decodeOtpStructure, emptyOtpStructure, type OtpStructure } from '../../src/otp/structure.js';

export const FIXTURE_BIN = fileURLToPath(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));
export const FIXTURE_DISPLAY = fileURLToPath(new URL('../fixtures/stm32mp157c-dk2-otp-displ.txt', import.meta.url));

export function fixtureBytes(): Buffer {
  return readFileSync(FIXTURE_BIN);
}

export function fixture(): OtpStructure {
  return decodeOtpStructure(fixtureBytes());
}

/** A structure for `soc` with the given words set (value, status). */
export function structureWith(soc: SocFamily, words: Record<number, [number, number?]>, globalState = 0): OtpStructure {
  const s = emptyOtpStructure(soc);
  s.globalState = globalState;
  for (const [id, [value, status = 0]] of Object.entries(words)) {
    s.words[Number(id)] = { id: Number(id), value: value >>> 0, status: status >>> 0, flags: statusFlags(status) };
  }
  return s;
}

/** Seeded PRNG (mulberry32): the random passes are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  };
}
