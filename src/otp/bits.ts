/** Small helpers shared by the OTP decoders: hex formatting and declarative bit fields. */

/** A field of a 32-bit word, msb..lsb inclusive, as the ST OTP mapping tables name them. */
export interface BitField {
  readonly key: string;
  readonly msb: number;
  readonly lsb: number;
  readonly description: string;
}

export function fieldMask(f: Pick<BitField, 'msb' | 'lsb'>): number {
  const width = f.msb - f.lsb + 1;
  return width >= 32 ? 0xffffffff : (((1 << width) >>> 0) - 1) * 2 ** f.lsb;
}

export function readField(value: number, f: Pick<BitField, 'msb' | 'lsb'>): number {
  return Math.floor((value >>> 0) / 2 ** f.lsb) % 2 ** (f.msb - f.lsb + 1);
}

/** An OTP word or status as the vendor display prints it: `0x` and 8 upper-case hex digits. */
export function formatWord(n: number): string {
  return `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export function hexN(n: number, digits = 0): string {
  return `0x${(n >>> 0).toString(16).toUpperCase().padStart(digits, '0')}`;
}

/** Indexes of the set bits of a 32-bit value, low to high. */
export function setBitIndexes(n: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < 32; b++) if (((n >>> b) & 1) === 1) out.push(b);
  return out;
}

export function isBitSet(n: number, bit: number): boolean {
  return ((n >>> bit) & 1) === 1;
}

export function popcount32(n: number): number {
  return setBitIndexes(n).length;
}
