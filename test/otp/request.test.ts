import { describe, expect, it } from 'vitest';
import { InputError, isStm32mpError } from '../../src/errors.js';
import { buildWriteRequest, type OtpEdit, type OtpRefusal } from '../../src/otp/request.js';
import { STATUS } from '../../src/otp/status.js';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { fixture, structureWith } from './helpers.js';

function refusalsOf(edits: OtpEdit[], current = fixture()): OtpRefusal[] {
  try {
    buildWriteRequest(current, edits, 'STM32MP15');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    if (!isStm32mpError(e)) throw e;
    expect(e.code).toBe('OTP_REFUSED');
    expect(e.exitCode).toBe(2);
    return e.details.refusals as OtpRefusal[];
  }
  throw new Error('expected a refusal');
}

describe('building a write request', () => {
  it('writes X into word 9 as value X, status 0x80000000, every other word 0/0 (the seed example)', () => {
    const r = buildWriteRequest(fixture(), [{ op: 'write', word: 9, value: 0x01234567 }], 'STM32MP15');
    expect(r.bytes.length).toBe(776);
    expect(r.bytes.readUInt32LE(0)).toBe(2);
    expect(r.bytes.readUInt32LE(4)).toBe(0);
    expect(r.bytes.readUInt32LE(0x50)).toBe(0x01234567);
    expect(r.bytes.readUInt32LE(0x54)).toBe(0x80000000);
    const other = Buffer.from(r.bytes);
    other.fill(0, 0x50, 0x58);
    other.writeUInt32LE(0, 0);
    expect(other.every((b) => b === 0)).toBe(true);
    expect(r.words).toEqual([
      expect.objectContaining({ id: 9, currentValue: 0, currentStatus: 0, newValue: 0x01234567, bitsToSet: 0x01234567, locksToAdd: [], alreadyDone: false, requestedStatus: 0x80000000 }),
    ]);
  });

  it('writes and locks words 9 and 10 exactly as the seed hexdump (0xC0000000)', () => {
    const r = buildWriteRequest(
      fixture(),
      [
        { op: 'write', word: 9, value: 0x01234567, lock: true },
        { op: 'write', word: 10, value: 0x0abcdef0, lock: true },
      ],
      'STM32MP15',
    );
    expect(r.bytes.subarray(0x50, 0x60).toString('hex')).toBe('67452301000000c0f0debc0a000000c0');
    expect(r.words.map((w) => w.locksToAdd)).toEqual([['permanent-lock'], ['permanent-lock']]);
  });

  it('encodes lock-only as value 0 status 0xC0000000 and sticky read + permanent as 0xE0000000', () => {
    const r = buildWriteRequest(
      structureWith('STM32MP15', { 40: [0x1234] }),
      [
        { op: 'lock', word: 40 },
        { op: 'write', word: 41, value: 5, lock: true, sticky: ['shadow-read'] },
      ],
      'STM32MP15',
    );
    expect([r.structure.words[40]!.value, r.structure.words[40]!.status]).toEqual([0, 0xc0000000]);
    expect([r.structure.words[41]!.value, r.structure.words[41]!.status]).toEqual([5, 0xe0000000]);
    expect(r.structure.words[41]!.flags).toEqual(['sticky-shadow-read-lock', 'permanent-lock', 'update-request']);
    expect(r.warnings.join(' ')).toMatch(/OP-TEE/);
  });

  it('writes an fwrite file as little-endian words from the start word, locked when asked', () => {
    const data = Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb, 0xcc, 0xdd]);
    const r = buildWriteRequest(structureWith('STM32MP15', {}), [{ op: 'fwrite', word: 24, data, lock: true }], 'STM32MP15');
    expect(r.words.map((w) => [w.id, w.newValue, w.requestedStatus])).toEqual([
      [24, 0x04030201, 0xc0000000],
      [25, 0xddccbbaa, 0xc0000000],
    ]);
    expect(decodeOtpStructure(r.bytes).words[25]!.value).toBe(0xddccbbaa);
  });

  it('accepts a value equal to the board and marks it already done, leaving it out of the request', () => {
    const r = buildWriteRequest(fixture(), [{ op: 'write', word: 59, value: 0x12722301 }, { op: 'lock', word: 7 }], 'STM32MP15');
    expect(r.words.map((w) => [w.id, w.alreadyDone])).toEqual([
      [7, true],
      [59, true],
    ]);
    expect(r.structure.words.every((w) => w.value === 0 && w.status === 0)).toBe(true);
  });

  it('sends value 0 when only a lock is new on a word that already holds the value', () => {
    const r = buildWriteRequest(fixture(), [{ op: 'write', word: 26, value: 0xaabbcc11, lock: true }], 'STM32MP15');
    expect([r.structure.words[26]!.value, r.structure.words[26]!.status]).toEqual([0, 0xc0000000]);
    expect(r.words[0]).toMatchObject({ bitsToSet: 0, locksToAdd: ['permanent-lock'], alreadyDone: false });
  });

  it('ORs a lower word: 0x0F on the board + 0xFF requested sets bits 4-7 only', () => {
    const r = buildWriteRequest(structureWith('STM32MP15', { 5: [0x0f] }), [{ op: 'write', word: 5, value: 0xffn }], 'STM32MP15');
    expect(r.words[0]).toMatchObject({ currentValue: 0x0f, newValue: 0xff, bitsToSet: 0xf0 });
  });
});

describe('refusals (nothing is built, every word and reason listed)', () => {
  it('refuses a word out of range', () => {
    expect(refusalsOf([{ op: 'write', word: 96, value: 1 }])).toEqual([expect.objectContaining({ word: 96, code: 'WORD_OUT_OF_RANGE' })]);
  });

  it('refuses a value wider than 32 bits, negative or fractional', () => {
    const r = refusalsOf([
      { op: 'write', word: 9, value: 0x100000000n },
      { op: 'write', word: 10, value: -1 },
      { op: 'write', word: 11, value: 1.5 },
    ]);
    expect(r.map((x) => [x.word, x.code])).toEqual([
      [9, 'VALUE_TOO_WIDE'],
      [10, 'VALUE_TOO_WIDE'],
      [11, 'VALUE_TOO_WIDE'],
    ]);
  });

  it('refuses a 1→0 write and names the bits that are 1 on the board', () => {
    const [r] = refusalsOf([{ op: 'write', word: 5, value: 0x01 }], structureWith('STM32MP15', { 5: [0x89] }));
    expect(r).toMatchObject({ word: 5, code: 'BIT_CLEAR' });
    expect(r!.reason).toContain('bits 3, 7');
  });

  it('refuses programming a permanently locked word and a sticky-programming-locked word', () => {
    const current = structureWith('STM32MP15', { 5: [0, STATUS.PERMANENT_LOCK], 6: [0, STATUS.STICKY_PROG_LOCK] });
    const r = refusalsOf(
      [
        { op: 'write', word: 5, value: 1 },
        { op: 'write', word: 6, value: 1 },
      ],
      current,
    );
    expect(r.map((x) => [x.word, x.code])).toEqual([
      [5, 'WORD_LOCKED'],
      [6, 'WORD_LOCKED'],
    ]);
  });

  it('refuses changing an upper word already programmed, yet accepts the same value again', () => {
    const current = structureWith('STM32MP15', { 40: [0x10] });
    expect(refusalsOf([{ op: 'write', word: 40, value: 0x11 }], current)).toEqual([expect.objectContaining({ word: 40, code: 'UPPER_ALREADY_PROGRAMMED' })]);
    expect(buildWriteRequest(current, [{ op: 'write', word: 40, value: 0x10 }], 'STM32MP15').words[0]!.alreadyDone).toBe(true);
  });

  it('accepts the same bit pattern on a lower word (it can take more bits later)', () => {
    const current = structureWith('STM32MP15', { 20: [0x10] });
    expect(buildWriteRequest(current, [{ op: 'write', word: 20, value: 0x11 }], 'STM32MP15').words[0]!.bitsToSet).toBe(1);
  });

  it('refuses an fwrite file that is empty, not a multiple of 4, or runs past word 95', () => {
    const r = refusalsOf(
      [
        { op: 'fwrite', word: 60, data: new Uint8Array(0) },
        { op: 'fwrite', word: 61, data: new Uint8Array(6) },
        { op: 'fwrite', word: 94, data: new Uint8Array(12) },
      ],
      structureWith('STM32MP15', {}),
    );
    expect(r.map((x) => [x.word, x.code])).toEqual([
      [60, 'FWRITE_SIZE'],
      [61, 'FWRITE_SIZE'],
      [94, 'FWRITE_SIZE'],
    ]);
    expect(r[2]!.reason).toMatch(/past the last word 95/);
  });

  it('refuses the same word edited twice, including through an fwrite range', () => {
    const r = refusalsOf(
      [
        { op: 'write', word: 9, value: 1 },
        { op: 'lock', word: 9 },
        { op: 'fwrite', word: 60, data: new Uint8Array(8) },
        { op: 'write', word: 61, value: 0 },
      ],
      structureWith('STM32MP15', {}),
    );
    expect(r.map((x) => [x.word, x.code])).toEqual([
      [9, 'DUPLICATE_WORD'],
      [61, 'DUPLICATE_WORD'],
    ]);
  });

  it('refuses writing a word whose current value could not be read', () => {
    expect(refusalsOf([{ op: 'write', word: 9, value: 1 }], structureWith('STM32MP15', { 9: [0, STATUS.READ_ERROR] }))).toEqual([
      expect.objectContaining({ word: 9, code: 'READ_ERROR' }),
    ]);
  });

  it('collects every refusal into one error whose message names each word and reason', () => {
    try {
      buildWriteRequest(
        fixture(),
        [
          { op: 'write', word: 7, value: 0xffffffff },
          { op: 'write', word: 100, value: 1 },
          { op: 'write', word: 59, value: 0x12722303 },
          { op: 'write', word: 0, value: 0x16 },
        ],
        'STM32MP15',
      );
      expect.unreachable();
    } catch (e) {
      if (!isStm32mpError(e)) throw e;
      const codes = (e.details.refusals as OtpRefusal[]).map((r) => `${r.word}:${r.code}`);
      expect(codes).toEqual(['0:BIT_CLEAR', '7:WORD_LOCKED', '59:UPPER_ALREADY_PROGRAMMED', '59:WORD_LOCKED', '100:WORD_OUT_OF_RANGE']);
      for (const w of [0, 7, 59, 100]) expect(e.message).toContain(`word ${w}:`);
    }
  });
});
