import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCapture, describeFrameAt, frameTraceLine, type DecodedFrame } from '../../src/capture/decode.js';
import { chunks, downloadExchange, otpReadExchange, otpReadExchangeAhead } from './helpers.js';

const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));

function kinds(frames: DecodedFrame[]): string[] {
  return frames.map((f) => (f.kind === 'answer' ? `answer:${f.reply}` : f.kind));
}

function only<K extends DecodedFrame['kind']>(frames: DecodedFrame[], kind: K): Extract<DecodedFrame, { kind: K }>[] {
  return frames.filter((f): f is Extract<DecodedFrame, { kind: K }> => f.kind === kind);
}

describe('the worked OTP read of an5275-uart.md', () => {
  const frames = decodeCapture(chunks(['tx', '7f'], ['rx', '79'], ...otpReadExchange(DK2)));

  it('dissects sync, command, address, length and the data answer of each Read Partition', () => {
    expect(kinds(frames.slice(0, 8))).toEqual(['sync', 'answer:ACK', 'command', 'answer:ACK', 'address', 'answer:ACK', 'length', 'answer:ACK']);
    expect(frames[2]).toMatchObject({ kind: 'command', command: 'Read Partition', code: 0x12, bytes: '12ed', complementOk: true, known: true });
    expect(frames[4]).toMatchObject({ kind: 'address', partition: 0xf2, offset: 0, checksumOk: true, bytes: 'f200000000f2' });
    expect(frames[6]).toMatchObject({ kind: 'length', length: 256, complementOk: true, bytes: 'ff00' });
    expect(frames[7]).toMatchObject({ kind: 'answer', to: 'length', dataLength: 256, bytes: `79${DK2.subarray(0, 256).toString('hex')}` });
  });

  it('reads the offsets 0x100, 0x200, 0x300 and the last 8-byte length', () => {
    const addresses = only(frames, 'address');
    expect(addresses.map((a) => a.offset)).toEqual([0, 0x100, 0x200, 0x300]);
    expect(addresses.every((a) => a.checksumOk)).toBe(true);
    expect(only(frames, 'length').map((l) => l.length)).toEqual([256, 256, 256, 8]);
  });

  it('decodes the reassembled 776-byte structure with the codec', () => {
    const otp = only(frames, 'otp');
    expect(otp).toHaveLength(1);
    expect(otp[0]).toMatchObject({ source: 'read', version: 2, globalState: 0, dir: 'rx' });
    expect(frames.at(-1)!.kind).toBe('otp');
  });

  it('lists the words that changed between two reads', () => {
    const after = Buffer.from(DK2);
    after.writeUInt32LE(0x12345678, 8 + 8 * 60); // word 60 value
    const both = decodeCapture(chunks(...otpReadExchange(DK2), ...otpReadExchange(after)));
    const otp = only(both, 'otp');
    expect(otp).toHaveLength(2);
    expect(otp[1]!.changes).toEqual([{ word: 60, before: { value: DK2.readUInt32LE(8 + 8 * 60), status: DK2.readUInt32LE(12 + 8 * 60) }, after: { value: 0x12345678, status: DK2.readUInt32LE(12 + 8 * 60) } }]);
    expect(otp[1]!.summary).toContain('1 word(s) changed since the previous read: 60');
  });

  it('reports a structure the codec refuses as an otp frame with the error, not an exception', () => {
    const bad = Buffer.from(DK2);
    bad.writeUInt32LE(1, 0); // version 1
    const otp = only(decodeCapture(chunks(...otpReadExchange(bad))), 'otp');
    expect(otp[0]!.error).toMatch(/version 1/);
  });
});

describe('OTP write requests', () => {
  it('decodes the Download packets to OP 0xF2 and lists the words with the update-request bit', () => {
    const req = Buffer.alloc(776);
    req.writeUInt32LE(2, 0);
    req.writeUInt32LE(0xabc, 8 + 8 * 60);
    req.writeUInt32LE(0xc0000000, 12 + 8 * 60);
    const frames = decodeCapture(chunks(...downloadExchange(0xf2, req), ['tx', '21de'], ['rx', '79'], ['tx', '000000f2f2'], ['rx', '79']));
    const data = only(frames, 'data');
    expect(data.map((d) => [d.packet, d.length, d.checksumOk, d.op])).toEqual([[0, 256, true, 0xf2], [1, 256, true, 0xf2], [2, 256, true, 0xf2], [3, 8, true, 0xf2]]);
    const otp = only(frames, 'otp');
    expect(otp).toHaveLength(1);
    expect(otp[0]!.requests).toEqual([{ word: 60, value: 0xabc, status: 0xc0000000, flags: ['permanent-lock', 'update-request'] }]);
    const start = only(frames, 'address').at(-1)!;
    expect(start).toMatchObject({ command: 'Start', address: 0xf2, meaning: 'program the OTP structure', checksumOk: true });
  });

  it('does not count a NACKed packet into the structure', () => {
    const req = Buffer.alloc(776);
    req.writeUInt32LE(2, 0);
    const parts = downloadExchange(0xf2, req);
    parts[5] = ['rx', '1f']; // packet 0 NACKed: the device's cursor did not move
    expect(only(decodeCapture(chunks(...parts)), 'otp')).toHaveLength(0);
  });
});

describe('the answers of each stage (serial-boot.md)', () => {
  const cases: [string, string, string, unknown][] = [
    ['ROM Get', '00ff', '79 06 40 00 01 02 03 21 31 79', { type: 'get', protocol: '4.0', commands: [0, 1, 2, 3, 0x21, 0x31] }],
    ['U-Boot Get', '00ff', '79 08 40 00 01 02 03 11 12 21 31 79', { type: 'get', protocol: '4.0', commands: [0, 1, 2, 3, 0x11, 0x12, 0x21, 0x31] }],
    ['ROM Get Version (3 bytes)', '01fe', '79 10 00 00 79', { type: 'get-version', version: '1.0', raw: 0x10, form: '3-byte', optionBytes: [0, 0] }],
    ['U-Boot Get Version (1 byte)', '01fe', '79 03 79', { type: 'get-version', version: '0.3', raw: 3, form: '1-byte' }],
    ['TF-A Get Version (1 byte, 0x00)', '01fe', '79 00 79', { type: 'get-version', version: '0.0', raw: 0, form: '1-byte' }],
    ['MP15 Get ID', '02fd', '79 01 05 00 79', { type: 'get-id', productId: 0x500, soc: 'STM32MP15' }],
    ['MP13 Get ID', '02fd', '79 01 05 01 79', { type: 'get-id', productId: 0x501, soc: 'STM32MP13' }],
    ['ROM Get Phase (L = 1)', '03fc', '79 06 01 00 24 fc 2f 01 00 79', { type: 'get-phase', phase: 1, phaseName: 'FSBL', address: 0x2ffc2400, info: '\0' }],
    ['U-Boot Get Phase in RESET', '03fc', `79 16 ff ff ff ff ff 11 ${Buffer.from('OTP write issue 5').toString('hex')} 79`, { type: 'get-phase', phase: 0xff, phaseName: 'reset', address: 0xffffffff, info: 'OTP write issue 5' }],
  ];
  for (const [name, command, answer, content] of cases) {
    it(`decodes the ${name} answer`, () => {
      const frames = decodeCapture(chunks(['tx', command], ['rx', answer]));
      expect(frames).toHaveLength(2);
      expect(frames[1]).toMatchObject({ kind: 'answer', reply: 'ACK', to: 'command', content, bytes: answer.replace(/ /g, '') });
      expect(frames[1]!.truncated).toBeUndefined();
    });
  }

  it('names a malformed Get Phase instead of guessing', () => {
    const frames = decodeCapture(chunks(['tx', '03fc'], ['rx', '79 05 00 ff ff ff ff 03 79']));
    expect(frames[1]).toMatchObject({ content: { type: 'malformed' } });
  });
});

describe('failures on the wire', () => {
  it('marks a Download packet with a bad checksum and the NACK that follows', () => {
    const frames = decodeCapture(chunks(['tx', '31ce'], ['rx', '79'], ['tx', '0000000000'], ['rx', '79'], ['tx', '03aabbccdd00'], ['rx', '1f']));
    expect(frames[4]).toMatchObject({ kind: 'data', packet: 0, length: 4, checksumOk: false, ignoredByDevice: false });
    expect(frames[4]!.summary).toContain('checksum BAD');
    expect(frames[5]).toMatchObject({ kind: 'answer', reply: 'NACK', to: 'data' });
  });

  it('marks a bad address XOR with the expected value', () => {
    const frames = decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000100f2'], ['rx', '1f']));
    expect(frames[2]).toMatchObject({ kind: 'address', checksumOk: false, offset: 0x100 });
    expect(frames[2]!.summary).toContain('XOR BAD (expected 0xF3, got 0xF2)');
    expect(frames[3]).toMatchObject({ reply: 'NACK', to: 'address' });
  });

  it('follows the NACK of an unsupported Download target: the host packet is ignored by the device', () => {
    const frames = decodeCapture(chunks(['tx', '31ce'], ['rx', '79'], ['tx', '0500000005'], ['rx', '791f'], ['tx', '030102030407'], ['rx', '1f'], ['tx', '7f'], ['rx', '79']));
    expect(kinds(frames)).toEqual(['command', 'answer:ACK', 'address', 'answer:ACK', 'answer:NACK', 'data', 'answer:NACK', 'sync', 'answer:ACK']);
    expect(frames[4]).toMatchObject({ to: 'address', note: expect.stringContaining('unsupported OP') });
    expect(frames[5]).toMatchObject({ kind: 'data', ignoredByDevice: true, length: 4, checksumOk: true, op: 5 });
    expect(frames[6]).toMatchObject({ to: 'stray' });
  });

  it('takes a 0x7F right after a rejected target for the host re-syncing', () => {
    const frames = decodeCapture(chunks(['tx', '31ce'], ['rx', '79'], ['tx', '0500000005'], ['rx', '791f'], ['tx', '7f'], ['rx', '79']));
    expect(kinds(frames).slice(-2)).toEqual(['sync', 'answer:ACK']);
  });

  it('shows stray host bytes that are no command code as ignored by the device', () => {
    const frames = decodeCapture(chunks(['tx', '13ee'], ['rx', '1f']));
    expect(frames[0]).toMatchObject({ kind: 'unknown', ignoredByDevice: true, bytes: '13ee' });
    expect(frames[1]).toMatchObject({ kind: 'answer', reply: 'NACK', to: 'stray' });
  });

  it('shows a known command with a bad complement, and the NACK that rejects it, as that command', () => {
    const frames = decodeCapture(chunks(['tx', '7f'], ['rx', '79'], ['tx', '00fe'], ['rx', '1f'], ['tx', '00ff'], ['rx', '790840000102031112213179']));
    expect(kinds(frames)).toEqual(['sync', 'answer:ACK', 'command', 'answer:NACK', 'command', 'answer:ACK']);
    expect(frames[2]).toMatchObject({ kind: 'command', command: 'Get', code: 0, bytes: '00fe', known: true, complementOk: false });
    expect(frames[2]!.summary).toBe('Get (0x00) command, complement BAD (0xFE, expected 0xFF)');
    expect(frames[3]).toMatchObject({ reply: 'NACK', to: 'command', command: 'Get', note: 'command rejected: bad complement' });
  });

  it('gives the same bad-complement frames when the two bytes come in two writes', () => {
    const frames = decodeCapture(chunks(['tx', '12'], ['tx', 'ee'], ['rx', '1f']));
    expect(frames[0]).toMatchObject({ kind: 'command', command: 'Read Partition', bytes: '12ee', complementOk: false });
    expect(frames[1]).toMatchObject({ reply: 'NACK', to: 'command' });
  });

  it('keeps two bytes for stray host bytes when the device does not NACK them', () => {
    const frames = decodeCapture(chunks(['tx', '00fe'], ['rx', '4f4b'], ['tx', '7f'], ['rx', '79']));
    expect(frames[0]).toMatchObject({ kind: 'unknown', dir: 'tx', bytes: '00fe' });
    expect(kinds(frames).slice(-2)).toEqual(['sync', 'answer:ACK']);
  });

  it('reports ABORT of Start and names the phase 0xFF address', () => {
    const frames = decodeCapture(chunks(['tx', '21de'], ['rx', '79'], ['tx', '000000f2f2'], ['rx', '5f']));
    expect(frames[3]).toMatchObject({ reply: 'ABORT', to: 'address', command: 'Start' });
  });
});

describe('stages, text and gaps', () => {
  it('shows the boot log as text and the unsolicited NACK as a stage change', () => {
    const log = Buffer.from('U-Boot 2022.10-stm32mp-r1\r\n').toString('hex');
    const frames = decodeCapture(chunks(['rx', log], ['rx', '1f'], ['tx', '7f'], ['rx', '79']));
    expect(frames[0]).toMatchObject({ kind: 'text', text: 'U-Boot 2022.10-stm32mp-r1\r\n', dir: 'rx' });
    expect(frames[1]).toMatchObject({ kind: 'stage', bytes: '1f' });
    expect(frames[3]).toMatchObject({ kind: 'answer', to: 'sync', reply: 'ACK' });
  });

  it('says the device NACKs a sync when it is already in its loop', () => {
    const frames = decodeCapture(chunks(['tx', '7f'], ['rx', '1f']));
    expect(frames[1]).toMatchObject({ to: 'sync', reply: 'NACK', note: expect.stringContaining('already synchronised') });
  });

  it('emits a gap frame for silence above the threshold, and none below it', () => {
    const c = [
      { t: 0, dir: 'tx' as const, data: Buffer.from('7f', 'hex') },
      { t: 150_000, dir: 'rx' as const, data: Buffer.from('79', 'hex') },
    ];
    expect(decodeCapture(c)[1]).toMatchObject({ kind: 'gap', durationUs: 150_000, t: 0 });
    expect(decodeCapture(c, { gapMs: 200 }).map((f) => f.kind)).toEqual(['sync', 'answer']);
  });

  it('says when the host went on without an answer', () => {
    const frames = decodeCapture(chunks(['tx', '02fd'], ['tx', '7f'], ['rx', '79']));
    expect(kinds(frames)).toEqual(['command', 'no-answer', 'sync', 'answer:ACK']);
  });
});

describe('streaming', () => {
  it('gives the same frames whatever the chunking', () => {
    const whole = chunks(['tx', '7f'], ['rx', '79'], ['tx', '00ff'], ['rx', '79 08 40 00 01 02 03 11 12 21 31 79'], ...otpReadExchange(DK2));
    const bytewise = whole.flatMap((c) => [...c.data].map((b) => ({ t: c.t, dir: c.dir, data: Buffer.from([b]) })));
    expect(decodeCapture(bytewise)).toEqual(decodeCapture(whole));
  });

  it('finds the frame a host byte offset belongs to, and formats trace lines', () => {
    const c = chunks(['tx', '7f'], ['rx', '79'], ['tx', '12ed'], ['rx', '79'], ['tx', 'f200000100f3']);
    expect(describeFrameAt(c, 5)).toMatchObject({ kind: 'address', offset: 0x100 });
    expect(describeFrameAt(c, 0)).toMatchObject({ kind: 'sync' });
    expect(describeFrameAt(c, 99)).toBeUndefined();
    const line = frameTraceLine(decodeCapture(c)[2]!);
    expect(line).toBe('    0.002000 → Read Partition (0x12) command  [12 ed]');
  });
});

describe('Read Partition with the length sent ahead of the address ACK', () => {
  const dk2Ahead = decodeCapture(chunks(['tx', '7f'], ['rx', '79'], ...otpReadExchangeAhead(DK2)));

  it('decodes address, length, the address ACK and ACK + data of each read, in wire order', () => {
    expect(kinds(dk2Ahead.slice(0, 8))).toEqual(['sync', 'answer:ACK', 'command', 'answer:ACK', 'address', 'length', 'answer:ACK', 'answer:ACK']);
    expect(dk2Ahead[4]).toMatchObject({ kind: 'address', partition: 0xf2, offset: 0, checksumOk: true });
    expect(dk2Ahead[5]).toMatchObject({ kind: 'length', length: 256, complementOk: true, sentAhead: true, bytes: 'ff00', pos: 9 });
    expect(dk2Ahead[5]!.summary).toContain('sent ahead of the address ACK');
    expect(dk2Ahead[6]).toMatchObject({ kind: 'answer', to: 'address', reply: 'ACK', bytes: '79' });
    expect(dk2Ahead[7]).toMatchObject({ kind: 'answer', to: 'length', dataLength: 256, bytes: `79${DK2.subarray(0, 256).toString('hex')}` });
    expect(dk2Ahead.some((f) => f.kind === 'no-answer')).toBe(false);
  });

  it('reads the four offsets and lengths and reassembles the same OTP structure as the lock-step read', () => {
    expect(only(dk2Ahead, 'address').map((a) => a.offset)).toEqual([0, 0x100, 0x200, 0x300]);
    expect(only(dk2Ahead, 'length').map((l) => [l.length, l.sentAhead])).toEqual([[256, true], [256, true], [256, true], [8, true]]);
    const lockStep = only(decodeCapture(chunks(...otpReadExchange(DK2))), 'otp');
    const otp = only(dk2Ahead, 'otp');
    expect(otp).toHaveLength(1);
    expect(otp[0]).toMatchObject({ source: 'read', version: lockStep[0]!.version, globalState: lockStep[0]!.globalState });
  });

  it('gives the same frames when address and length are one host chunk and both ACKs one device chunk', () => {
    const merged = decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000300f1 07f8'], ['rx', '79 79 0102030405060708']));
    expect(kinds(merged)).toEqual(['command', 'answer:ACK', 'address', 'length', 'answer:ACK', 'answer:ACK']);
    expect(merged[3]).toMatchObject({ kind: 'length', length: 8, sentAhead: true, bytes: '07f8' });
    expect(merged[5]).toMatchObject({ to: 'length', dataLength: 8, bytes: '790102030405060708' });
  });

  it('takes an address ACK that crosses the length on the line (full duplex) as the answer to the address', () => {
    // A logic analyzer sees the device's ACK between the two length bytes: the line is full duplex.
    const crossed = decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000300f1'], ['tx', '07'], ['rx', '79'], ['tx', 'f8'], ['rx', '79 0102030405060708']));
    expect(kinds(crossed)).toEqual(['command', 'answer:ACK', 'address', 'length', 'answer:ACK', 'answer:ACK']);
    expect(crossed[3]).toMatchObject({ kind: 'length', length: 8, complementOk: true, bytes: '07f8', t: 3000 });
    expect(crossed[4]).toMatchObject({ to: 'address', reply: 'ACK', t: 4000, pos: 1 });
    expect(crossed[5]).toMatchObject({ to: 'length', dataLength: 8 });
  });

  it('shows a NACKed address with the length sent ahead, then the NACK of that stray pair', () => {
    // Bad XOR: U-Boot flushes, NACKs, and its loop reads 07 f8 as an unknown command: NACK again.
    const frames = decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000300ff'], ['tx', '07f8'], ['rx', '1f'], ['rx', '1f'], ['tx', '7f'], ['rx', '79']));
    expect(kinds(frames)).toEqual(['command', 'answer:ACK', 'address', 'length', 'answer:NACK', 'answer:NACK', 'sync', 'answer:ACK']);
    expect(frames[2]).toMatchObject({ checksumOk: false });
    expect(frames[4]).toMatchObject({ to: 'address', note: expect.stringContaining('stray') });
    expect(frames[5]).toMatchObject({ to: 'stray' });
  });

  it('still reads a 0x7F or a command code after the address as a host that stopped waiting', () => {
    expect(kinds(decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000000f2'], ['tx', '7f'], ['rx', '79'])))).toEqual([
      'command',
      'answer:ACK',
      'address',
      'no-answer',
      'sync',
      'answer:ACK',
    ]);
    expect(kinds(decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000000f2'], ['tx', '02fd'], ['rx', '79 01 0500 79'])))).toEqual([
      'command',
      'answer:ACK',
      'address',
      'no-answer',
      'command',
      'answer:ACK',
    ]);
  });

  it('names the missing address answer when the capture ends after a length sent ahead', () => {
    const frames = decodeCapture(chunks(['tx', '12ed'], ['rx', '79'], ['tx', 'f200000000f2'], ['tx', 'ff00']));
    expect(frames.at(-2)).toMatchObject({ kind: 'length', sentAhead: true });
    expect(frames.at(-1)).toMatchObject({ kind: 'no-answer', awaiting: 'the answer to the Read Partition address' });
  });

  it('gives the same frames whatever the chunking', () => {
    const whole = chunks(['tx', '7f'], ['rx', '79'], ...otpReadExchangeAhead(DK2));
    const bytewise = whole.flatMap((c) => [...c.data].map((b) => ({ t: c.t, dir: c.dir, data: Buffer.from([b]) })));
    expect(decodeCapture(bytewise)).toEqual(decodeCapture(whole));
  });
});
