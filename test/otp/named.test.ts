import { describe, expect, it } from 'vitest';
import { isStm32mpError } from '../../src/errors.js';
import { decodeGlobalState } from '../../src/otp/global-state.js';
import { formatMac, macToWords, parseMac } from '../../src/otp/mac.js';
import { decodeNamedWords, type Named } from '../../src/otp/named.js';
import { STATUS } from '../../src/otp/status.js';
import { fixture, structureWith } from './helpers.js';

/** The decoded fields of an entry, failing the test if it is the read-error marker. */
function ok<T>(e: Named<T> | undefined): T & { words: number[]; text: string } {
  expect(e).toBeDefined();
  expect(e).not.toHaveProperty('readError');
  return e as T & { words: number[]; text: string };
}

describe('named words of the DK2 fixture (STM32MP15)', () => {
  const n = decodeNamedWords(fixture(), 'STM32MP15');

  it('gives the serial number the vendor tool shows, from words 13 to 15', () => {
    expect(ok(n.uid)).toMatchObject({ words: [13, 14, 15], hex: '004100323338511634383330', values: [0x00410032, 0x33385116, 0x34383330] });
    expect(ok(n.serialNumber).value).toBe('004100323338511634383330');
  });

  it('gives the MAC 00:80:e1:42:48:e4 from words 57 and 58', () => {
    expect(ok(n.mac)).toMatchObject({ words: [57, 58], address: '00:80:e1:42:48:e4', set: true });
    expect(n.macs).toHaveLength(1);
  });

  it('gives board id 0x12722301 as MB1272 Var2.0 Rev.C-01', () => {
    expect(ok(n.boardId)).toMatchObject({ words: [59], raw: 0x12722301, board: 'MB1272', variant: '2.0', revision: 'C', bom: 1, text: 'MB1272 Var2.0 Rev.C-01' });
  });

  it('names part number 157C, package AC and the device STM32MP157CAC', () => {
    expect(ok(n.partNumber)).toMatchObject({ words: [1], raw: 0, name: 'STM32MP157C' });
    expect(ok(n.package)).toMatchObject({ words: [16], raw: 2, code: 'AC', name: 'TFBGA361' });
    expect(ok(n.device).name).toBe('STM32MP157CAC');
  });

  it('reads the device as open (word 0 = 0x17, bit 6 clear) and the BSEC state as Secure Open', () => {
    expect(ok(n.security)).toMatchObject({ words: [0], closed: false, state: 'open' });
    expect(n.bsecState).toMatchObject({ state: 'secure-open', stateText: 'Secure Open', hardwareKeySet: false, unknownBits: 0 });
  });

  it('decodes HW2, VREFINT, TS_CAL and the key hash words from their bit fields', () => {
    expect(ok(n.hw2)).toMatchObject({ raw: 0x7a550140, iwdgHwEnable: false, iwdgFreezeStop: false, iwdgFreezeStandby: false, lowVoltageIo: false });
    expect(ok(n.vrefint).calibration).toBe(0x5e36);
    expect(ok(n.tsCal)).toMatchObject({ tsCal1: 0x3023, tsCal2: 0x4013 });
    expect(ok(n.oemKeyHash)).toMatchObject({ words: [24, 25, 26, 27, 28, 29, 30, 31], programmed: true });
    expect(ok(n.oemKeyHash).sha256).toBe(`4e31bbcd51e827ddaabbcc11${'0'.repeat(40)}`);
  });

  it('decodes CFG3 zero as no boot restriction and has no MP13-only entries', () => {
    expect(ok(n.boot)).toMatchObject({ disabledSources: [], primarySource: { raw: 0, text: 'none' }, uartInstancesDisable: { raw: 0, disabledInstanceBits: [] } });
    expect(n.fsblKey).toBeUndefined();
    expect(n.nand2Config).toBeUndefined();
  });

  it('is plain JSON (survives a JSON round trip unchanged)', () => {
    expect(JSON.parse(JSON.stringify(n))).toEqual(n);
  });
});

describe('named-word decoders on other values', () => {
  it('says "unknown part number 0x42" instead of inventing a name', () => {
    const n = decodeNamedWords(structureWith('STM32MP15', { 1: [0x42] }), 'STM32MP15');
    expect(ok(n.partNumber)).toMatchObject({ raw: 0x42, name: null, text: 'unknown part number 0x42' });
    expect(ok(n.device).name).toBeNull();
  });

  it('uses the 12-bit MP13 RPN table (0x6C9 = STM32MP131A) and has no package word', () => {
    const n = decodeNamedWords(structureWith('STM32MP13', { 1: [0xf6c9] }), 'STM32MP13');
    expect(ok(n.partNumber).name).toBe('STM32MP131A');
    expect(n.package).toBeUndefined();
    expect(n.boot).toBeUndefined();
  });

  it('reads MP15 word 0 bit 6 as closed', () => {
    expect(ok(decodeNamedWords(structureWith('STM32MP15', { 0: [0x57] }), 'STM32MP15').security).closed).toBe(true);
  });

  it.each([
    [0x17, 'open', false],
    [0x3f, 'closed', true],
    [0x17f, 'closed-no-boundary-scan', true],
    [0x3ff, 'closed-no-jtag', true],
    [0x1f, 'invalid', null],
  ] as const)('reads MP13 CFG0 bits 9:0 = %i as %s', (value, state, closed) => {
    const sec = ok(decodeNamedWords(structureWith('STM32MP13', { 0: [value | 0x400] }), 'STM32MP13').security);
    expect([sec.state, sec.closed]).toEqual([state, closed]);
  });

  it('decodes MP15 CFG3 fields: HSE 24 MHz, SD then eMMC, UART and USB disabled, UART instance bits 0 and 2', () => {
    const v = (1 << 30) | (4 << 27) | (3 << 24) | (1 << 20) | (1 << 21) | (0b101 << 7);
    const boot = ok(decodeNamedWords(structureWith('STM32MP15', { 3: [v] }), 'STM32MP15').boot);
    expect(boot.hse.text).toBe('24 MHz');
    expect([boot.primarySource.text, boot.secondarySource.text]).toEqual(['SD card', 'eMMC']);
    expect(boot.disabledSources).toEqual(['UART', 'USB']);
    expect(boot.uartInstancesDisable).toMatchObject({ raw: 0b101, disabledInstanceBits: [0, 2] });
  });

  it('treats UART instance field 0xFF as all enabled (the anti-brick guard)', () => {
    const boot = ok(decodeNamedWords(structureWith('STM32MP15', { 3: [0xff << 7] }), 'STM32MP15').boot);
    expect(boot.uartInstancesDisable.disabledInstanceBits).toEqual([]);
  });

  it('decodes the two MP13 MACs, word 58 shared, and FF:FF:FF:FF:FF:FF as unset', () => {
    const s = structureWith('STM32MP13', { 57: [0x42e18000], 58: [0xffffe448], 59: [0xffffffff], 60: [0x12722301] });
    const n = decodeNamedWords(s, 'STM32MP13');
    expect(ok(n.macs[0])).toMatchObject({ words: [57, 58], address: '00:80:e1:42:48:e4', set: true });
    expect(ok(n.macs[1])).toMatchObject({ words: [58, 59], address: 'ff:ff:ff:ff:ff:ff', set: false });
    expect(ok(n.boardId).text).toBe('MB1272 Var2.0 Rev.C-01');
  });

  it('shows the MP13 FSBL key words 92-95 by lock state only, never their value', () => {
    const s = structureWith('STM32MP13', { 92: [0xcafe0001, STATUS.PERMANENT_LOCK], 93: [0xcafe0002, STATUS.PERMANENT_LOCK], 94: [0xcafe0003], 95: [0xcafe0004] });
    const key = decodeNamedWords(s, 'STM32MP13').fsblKey!;
    expect(key.words).toEqual([92, 93, 94, 95]);
    expect(key.permanentlyLocked).toBe(false);
    expect(key.locks.map((l) => l.flags)).toEqual([['permanent-lock'], ['permanent-lock'], [], []]);
    expect(JSON.stringify(key)).not.toMatch(/cafe|3405643777/i);
  });

  it('marks an entry built on a word with a read error as unreadable instead of decoding its 0', () => {
    const n = decodeNamedWords(structureWith('STM32MP15', { 1: [0, STATUS.READ_ERROR] }), 'STM32MP15');
    expect(n.partNumber).toMatchObject({ words: [1], readError: true });
    expect(n.partNumber).not.toHaveProperty('name');
  });

  it('reports an unprogrammed board id and MAC as such', () => {
    const n = decodeNamedWords(structureWith('STM32MP15', {}), 'STM32MP15');
    expect(ok(n.boardId)).toMatchObject({ board: null, text: 'not programmed' });
    expect(ok(n.mac).set).toBe(false);
  });
});

describe('the global state', () => {
  it.each([
    [0, 'secure-open', false],
    [1, 'secure-closed', false],
    [2, 'invalid', false],
    [3, 'invalid', false],
    [0x100, 'secure-open', true],
  ] as const)('decodes %i as %s (hardware key set: %s)', (raw, state, key) => {
    expect(decodeGlobalState(raw)).toMatchObject({ state, hardwareKeySet: key, unknownBits: 0 });
  });

  it('keeps unknown bits as hex', () => {
    const g = decodeGlobalState(0x10001);
    expect(g.unknownBits).toBe(0x10000);
    expect(g.text).toContain('0x00010000');
  });
});

describe('MAC helpers', () => {
  it('parses and formats the three spellings', () => {
    for (const t of ['00:80:e1:42:48:e4', '00-80-E1-42-48-E4', '0080e14248e4']) expect(formatMac(parseMac(t))).toBe('00:80:e1:42:48:e4');
  });

  it('refuses a malformed MAC with InputError USAGE', () => {
    for (const t of ['00:80:e1:42:48', '00:80-e1:42:48:e4', 'zz:80:e1:42:48:e4']) {
      try {
        parseMac(t);
        expect.unreachable();
      } catch (e) {
        expect(isStm32mpError(e) && e.code).toBe('USAGE');
      }
    }
  });

  it('encodes the DK2 MAC into the fixture words 57 and 58 (the inverse of the decoding)', () => {
    expect(macToWords('00:80:e1:42:48:e4', 'STM32MP15')).toEqual({ 57: 0x42e18000, 58: 0x0000e448 });
  });

  it('encodes MP13 MAC1 into the high half of word 58 and word 59', () => {
    expect(macToWords('02:11:22:33:44:55', 'STM32MP13', 1)).toEqual({ 58: 0x11020000, 59: 0x55443322 });
  });

  it('keeps the other MAC half of shared word 58 when given the current structure', () => {
    const current = structureWith('STM32MP13', { 58: [0x0000e448] });
    expect(macToWords('02:11:22:33:44:55', 'STM32MP13', 1, { current })).toEqual({ 58: 0x1102e448, 59: 0x55443322 });
  });

  it('refuses MAC index 1 on STM32MP15, which has one MAC', () => {
    expect(() => macToWords('00:80:e1:42:48:e4', 'STM32MP15', 1)).toThrow(/1 MAC address/);
  });
});
