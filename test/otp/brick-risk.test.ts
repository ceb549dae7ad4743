import { describe, expect, it } from 'vitest';
import type { SocFamily } from '../../src/protocol/constants.js';
import { findBrickRisks } from '../../src/otp/brick-risk.js';
import { buildWriteRequest, type OtpEdit } from '../../src/otp/request.js';
import type { OtpStructure } from '../../src/otp/structure.js';
import { fixture, structureWith } from './helpers.js';

function risks(current: OtpStructure, edits: OtpEdit[], soc: SocFamily = 'STM32MP15'): string[] {
  return findBrickRisks(buildWriteRequest(current, edits, soc), soc).map((r) => `${r.word}:${r.code}`);
}

describe('brick risks', () => {
  it('finds none in an ordinary write (a MAC word with its lock)', () => {
    expect(risks(structureWith('STM32MP15', {}), [{ op: 'write', word: 57, value: 0x42e18000, lock: true }])).toEqual([]);
  });

  it('flags closing an MP15 (word 0 bit 6 newly set), with a plain-words description', () => {
    const req = buildWriteRequest(fixture(), [{ op: 'write', word: 0, value: 0x57 }], 'STM32MP15');
    const [r] = findBrickRisks(req, 'STM32MP15');
    expect(r).toMatchObject({ word: 0, code: 'CLOSE_DEVICE' });
    expect(r!.description).toMatch(/signed images/);
  });

  it('does not flag word 0 bits other than bit 6 on MP15', () => {
    expect(risks(fixture(), [{ op: 'write', word: 0, value: 0x1f }])).toEqual([]);
  });

  it('flags an MP13 CFG0 that becomes a closed value, and one that becomes invalid', () => {
    const open = structureWith('STM32MP13', { 0: [0x17] });
    expect(risks(open, [{ op: 'write', word: 0, value: 0x3f }], 'STM32MP13')).toEqual(['0:CLOSE_DEVICE']);
    expect(risks(open, [{ op: 'write', word: 0, value: 0x3ff }], 'STM32MP13')).toEqual(['0:CLOSE_DEVICE']);
    expect(risks(open, [{ op: 'write', word: 0, value: 0x1f }], 'STM32MP13')).toEqual(['0:CFG0_INVALID']);
  });

  it('flags disabling UART boot (bit 20) and USB boot (bit 21)', () => {
    expect(risks(fixture(), [{ op: 'write', word: 3, value: (1 << 20) | (1 << 21) }])).toEqual(['3:UART_BOOT_DISABLED', '3:USB_BOOT_DISABLED']);
  });

  it('flags UART instance bits 14:7 ending other than 0 or 0xFF, not when they end at 0xFF', () => {
    expect(risks(fixture(), [{ op: 'write', word: 3, value: 0x01 << 7 }])).toEqual(['3:UART_INSTANCES_DISABLED']);
    expect(risks(fixture(), [{ op: 'write', word: 3, value: 0xff << 7 }])).toEqual([]);
  });

  it('flags a permanent lock on a word still 0 after the write, not on one with a value', () => {
    expect(risks(fixture(), [{ op: 'lock', word: 9 }])).toEqual(['9:LOCK_ZERO_WORD']);
    expect(risks(fixture(), [{ op: 'write', word: 9, value: 0, lock: true }])).toEqual(['9:LOCK_ZERO_WORD']);
    expect(risks(fixture(), [{ op: 'lock', word: 26 }])).toEqual([]);
  });

  it('ignores what is already on the board (word 7 already locked)', () => {
    expect(risks(fixture(), [{ op: 'lock', word: 7 }])).toEqual([]);
  });
});
