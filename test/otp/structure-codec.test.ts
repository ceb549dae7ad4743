import { describe, expect, it } from 'vitest';
import { isStm32mpError } from '../../src/errors.js';
import { OTP_SIZE_SMC } from '../../src/otp/layout.js';
import { STATUS_FLAGS } from '../../src/otp/status.js';
import { decodeOtpStructure, encodeOtpStructure } from '../../src/otp/structure.js';
import { fixtureBytes, prng } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isStm32mpError(e) ? `${e.code}/${e.exitCode}` : 'untyped';
  }
  return undefined;
}

describe('the OTP structure codec', () => {
  it('names every set status bit in the flags, unknown ones as bit-N', () => {
    const bytes = Buffer.alloc(776);
    bytes.writeUInt32LE(2, 0);
    bytes.writeUInt32LE(0x84000021, 12);
    expect(decodeOtpStructure(bytes).words[0]!.flags).toEqual(['read-error', 'bit-5', 'lock-error', 'update-request']);
  });

  it('round-trips 200 random valid structures byte for byte (seeded)', () => {
    const next = prng(0x5eed);
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.alloc(776);
      for (let off = 8; off < 776; off += 4) bytes.writeUInt32LE(next(), off);
      bytes.writeUInt32LE(2, 0);
      bytes.writeUInt32LE(next() & 0x103, 4);
      const s = decodeOtpStructure(bytes);
      expect(encodeOtpStructure(s).equals(bytes)).toBe(true);
      // One flag per set bit, in bit order: the known name, else `bit-N`.
      for (const w of s.words) {
        const expected: string[] = [];
        for (let bit = 0; bit < 32; bit++) {
          if (((w.status >>> bit) & 1) === 0) continue;
          expected.push(STATUS_FLAGS.find((f) => f.bit === bit)?.flag ?? `bit-${bit}`);
        }
        expect(w.flags).toEqual(expected);
      }
    }
  });

  it('reads word M at byte 8 + 8M and its status at 12 + 8M, little-endian', () => {
    const bytes = Buffer.alloc(776);
    bytes.writeUInt32LE(2, 0);
    bytes.set([0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0xc0], 8 + 8 * 95);
    const w = decodeOtpStructure(bytes).words[95]!;
    expect([w.value, w.status, w.flags]).toEqual([0x12345678, 0xc0000000, ['permanent-lock', 'update-request']]);
  });

  it('accepts the 1024-byte SP_MIN partition and drops its padding', () => {
    const padded = Buffer.alloc(OTP_SIZE_SMC);
    fixtureBytes().copy(padded);
    const s = decodeOtpStructure(padded);
    expect(s.words).toHaveLength(96);
    expect(encodeOtpStructure(s).equals(fixtureBytes())).toBe(true);
  });

  it('refuses 775 bytes as not a whole number of words, naming 776', () => {
    const bytes = fixtureBytes().subarray(0, 775);
    expect(codeOf(() => decodeOtpStructure(bytes))).toBe('OTP_ALIGN/2');
    expect(() => decodeOtpStructure(bytes)).toThrow(/776/);
  });

  it('refuses 772 bytes as a size that matches no SoC, naming 776', () => {
    const bytes = fixtureBytes().subarray(0, 772);
    expect(codeOf(() => decodeOtpStructure(bytes))).toBe('OTP_SIZE/2');
    expect(() => decodeOtpStructure(bytes)).toThrow(/776/);
  });

  it('refuses version 3 and version 1, saying only version 2 is supported', () => {
    for (const v of [1, 3]) {
      const bytes = Buffer.from(fixtureBytes());
      bytes.writeUInt32LE(v, 0);
      expect(codeOf(() => decodeOtpStructure(bytes))).toBe('OTP_VERSION/2');
      expect(() => decodeOtpStructure(bytes)).toThrow(/only version 2/);
    }
  });
});
