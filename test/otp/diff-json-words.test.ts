import { describe, expect, it } from 'vitest';
import { renderOtpText } from '../../src/cli/render/otp-text.js';
import { isStm32mpError } from '../../src/errors.js';
import { diffOtp } from '../../src/otp/diff.js';
import { toOtpJson } from '../../src/otp/json.js';
import { STATUS } from '../../src/otp/status.js';
import { parseWordsSpec } from '../../src/otp/words-spec.js';
import { fixture, structureWith } from './helpers.js';

describe('diffOtp', () => {
  it('is empty for identical structures', () => {
    expect(diffOtp(fixture(), fixture())).toEqual([]);
  });

  it('lists each differing word with before, after and what changed', () => {
    const b = fixture();
    b.words[9] = { id: 9, value: 0x12345678, status: STATUS.PERMANENT_LOCK, flags: ['permanent-lock'] };
    b.words[26] = { ...b.words[26]!, status: 0 };
    expect(diffOtp(fixture(), b)).toEqual([
      { id: 9, before: { value: 0, status: 0 }, after: { value: 0x12345678, status: 0x40000000 }, changed: ['value', 'status'] },
      { id: 26, before: { value: 0xaabbcc11, status: 0x10000000 }, after: { value: 0xaabbcc11, status: 0 }, changed: ['status'] },
    ]);
  });
});

describe('parseWordsSpec', () => {
  it('parses ranges and single words into sorted unique ids', () => {
    expect(parseWordsSpec('57,13-15,58,14,0x3B')).toEqual([13, 14, 15, 57, 58, 59]);
  });

  it.each(['', '13-', 'a', '1-2-3', '96', '15-13', '1,,2'])('refuses "%s" with InputError USAGE', (spec) => {
    try {
      parseWordsSpec(spec);
      expect.unreachable();
    } catch (e) {
      expect(isStm32mpError(e) && [e.code, e.exitCode]).toEqual(['USAGE', 2]);
    }
  });
});

describe('toOtpJson and the text display', () => {
  it('has exactly version, globalState, words, named and one entry per word with id/value/status/flags', () => {
    const j = toOtpJson(fixture(), 'STM32MP15');
    expect(Object.keys(j)).toEqual(['version', 'globalState', 'words', 'named']);
    expect(j.words).toHaveLength(96);
    expect(j.words[7]).toEqual({ id: 7, value: 0xdeadbeef, status: 0x40000000, flags: ['permanent-lock'] });
    expect(Object.keys(j.words[0]!)).toEqual(['id', 'value', 'status', 'flags']);
  });

  it('keeps only the listed words when given a word list', () => {
    expect(toOtpJson(fixture(), 'STM32MP15', [57, 58]).words.map((w) => w.id)).toEqual([57, 58]);
  });

  it('shows an unknown status bit in hex and a named word section', () => {
    const text = renderOtpText(structureWith('STM32MP15', { 5: [1, 0x00000006] }), 'STM32MP15', { words: [5] });
    expect(text).toContain('|_ unknown bits 0x00000006');
    expect(text).toMatch(/^\s+05\s+\|\s+0x00000001\s+\|\s+0x00000006$/m);
    expect(text).not.toMatch(/^\s+06\s+\|/m);
  });

  it('lists the decoded named words after the table', () => {
    const text = renderOtpText(fixture(), 'STM32MP15');
    expect(text).toMatch(/Named words \(STM32MP15\):/);
    expect(text).toMatch(/Serial number\s+\[13-15\]\s+004100323338511634383330/);
    expect(text).toMatch(/MAC\s+\[57,58\]\s+00:80:e1:42:48:e4/);
    expect(text).toMatch(/Board id\s+\[59\]\s+MB1272 Var2\.0 Rev\.C-01/);
  });
});
