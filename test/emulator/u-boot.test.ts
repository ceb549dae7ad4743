import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { address, downloadAddress, downloadData, hex, partitionAddress, RawHost } from './raw.js';

const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));

/** A U-Boot board with the unsolicited NACK already taken. */
function uboot(options: ConstructorParameters<typeof RawHost>[0] = {}): RawHost {
  const h = new RawHost(options);
  expect(hex(h.take())).toBe('1f');
  return h;
}

async function readOtp(h: RawHost, offset: number, n: number): Promise<Buffer> {
  expect(hex(await h.exchange('12 ed'))).toBe('79');
  expect(hex(await h.exchange(partitionAddress(0xf2, offset)))).toBe('79');
  const answer = await h.exchange([n - 1, ~(n - 1) & 0xff]);
  expect(answer[0]).toBe(0x79);
  expect(answer.length).toBe(n + 1);
  return answer.subarray(1);
}

async function downloadPacket(h: RawHost, op: number, packet: number, data: Buffer): Promise<string> {
  expect(hex(await h.exchange('31 ce'))).toBe('79');
  expect(hex(await h.exchange(downloadAddress(op, packet)))).toBe('79');
  return hex(await h.exchange(downloadData(data)));
}

async function start(h: RawHost, addr: number): Promise<string> {
  expect(hex(await h.exchange('21 de'))).toBe('79');
  return hex(await h.exchange(address(addr)));
}

async function getPhase(h: RawHost): Promise<Buffer> {
  return h.exchange('03 fc');
}

/** The information text of a Get Phase answer (length byte at index 7). */
async function phaseText(h: RawHost): Promise<string> {
  const answer = await getPhase(h);
  expect(answer[2]).toBe(0xff);
  return answer.subarray(8, 8 + answer[7]!).toString('latin1');
}

/** A write request: version 2, the given words with bit 31 (plus lock bits). */
function request(words: [word: number, value: number, status?: number][]): Buffer {
  const b = Buffer.alloc(776);
  b.writeUInt32LE(2, 0);
  for (const [w, v, s] of words) {
    b.writeUInt32LE(v >>> 0, 8 + 8 * w);
    b.writeUInt32LE((s ?? 0x80000000) >>> 0, 12 + 8 * w);
  }
  return b;
}

async function downloadStructure(h: RawHost, structure: Buffer): Promise<void> {
  for (let p = 0; p * 256 < structure.length; p++) {
    expect(await downloadPacket(h, 0xf2, p, structure.subarray(p * 256, p * 256 + 256))).toBe('79');
  }
}

describe('U-Boot stm32prog loop, driven by raw bytes', () => {
  it('sends one unsolicited NACK on entering the loop, after draining what the host sent early', async () => {
    const h = new RawHost({}, false);
    h.board.input(Buffer.from([0x00, 0xff, 0x7f]));
    h.board.powerOn();
    expect(hex(await h.advance(0))).toBe('1f');
    expect(hex(await h.advance(10))).toBe('');
    expect(h.board.stage).toBe('u-boot');
  });

  it('prints the boot log text before the unsolicited NACK when asked', async () => {
    const h = new RawHost({ bootLog: true });
    const out = h.take();
    expect(out.at(-1)).toBe(0x1f);
    expect(out.subarray(0, -1).toString('latin1')).toContain('U-Boot');
  });

  it('answers 0x7F with ACK at any time between commands', async () => {
    const h = uboot();
    expect(hex(await h.exchange([0x7f]))).toBe('79');
    expect(hex(await h.exchange([0x7f]))).toBe('79');
  });

  it('answers Get, Get Version and Get ID with the exact bytes of the spec', async () => {
    const h = uboot();
    expect(hex(await h.exchange('00 ff'))).toBe('79 08 40 00 01 02 03 11 12 21 31 79');
    expect(hex(await h.exchange('01 fe'))).toBe('79 03 79');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
    const mp13 = uboot({ soc: 'STM32MP13' });
    expect(hex(await mp13.exchange('02 fd'))).toBe('79 01 05 01 79');
  });

  it('answers Get Phase with phase 0x00 and the load address little-endian when started in U-Boot', async () => {
    const h = uboot();
    expect(hex(await getPhase(h))).toBe('79 05 00 00 00 00 c2 00 79');
  });

  it('NACKs a bad complement only after a 3 ms pause, draining what came meanwhile', async () => {
    const h = uboot();
    expect(hex(await h.exchange('00 fe'))).toBe('');
    await h.send('01 fe');
    expect(hex(await h.advance(2.9))).toBe('');
    expect(hex(await h.advance(0.2))).toBe('1f');
    expect(hex(await h.exchange([0x7f]))).toBe('79');
  });

  it('NACKs an unknown command byte after 3 ms without reading a complement', async () => {
    const h = uboot();
    expect(hex(await h.exchange([0x44], 3))).toBe('1f');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
  });

  it('reads the whole OTP structure in four Read Partition chunks, equal to the fuse file', async () => {
    const h = uboot();
    const parts = [await readOtp(h, 0, 256), await readOtp(h, 256, 256), await readOtp(h, 512, 256), await readOtp(h, 768, 8)];
    expect(Buffer.concat(parts).equals(DK2)).toBe(true);
  });

  it('pads a Read Partition past the end of the OTP structure with zeros', async () => {
    const h = uboot();
    await readOtp(h, 0, 256);
    const tail = await readOtp(h, 768, 256);
    expect(tail.subarray(0, 8).equals(DK2.subarray(768))).toBe(true);
    expect(tail.subarray(8).every((b) => b === 0)).toBe(true);
  });

  it('NACKs a Read Partition with a bad address checksum and sends nothing more', async () => {
    const h = uboot();
    await h.exchange('12 ed');
    const addr = partitionAddress(0xf2, 0);
    addr[5] ^= 1;
    expect(hex(await h.exchange(addr))).toBe('1f');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
  });

  it('NACKs a Read Partition with a bad length complement', async () => {
    const h = uboot();
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0xf2, 0));
    expect(hex(await h.exchange('ff 01'))).toBe('1f');
  });

  it('ABORTs an OTP read at a non-zero offset before any read at offset 0, then Get Phase tells why and resets the board', async () => {
    const h = uboot();
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0xf2, 256));
    expect(hex(await h.exchange('ff 00'))).toBe('5f');
    const phase = await getPhase(h);
    const text = 'OTP read issue -12';
    expect(hex(phase.subarray(0, 8))).toBe(`79 ${(5 + text.length).toString(16)} ff ff ff ff ff ${text.length.toString(16)}`);
    expect(phase.subarray(8, -1).toString()).toBe(text);
    expect(phase.at(-1)).toBe(0x79);
    // The board resets: U-Boot's loop starts again with its NACK (after its boot time), phase 0x00.
    expect(hex(await h.advance(19))).toBe('');
    expect(hex(await h.advance(1))).toBe('1f');
    expect(hex(await getPhase(h))).toBe('79 05 00 00 00 00 c2 00 79');
  });

  it('reads the PMIC NVM (8 bytes, zero padded) and ABORTs past its end', async () => {
    const h = uboot();
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0xf4, 0));
    const answer = await h.exchange('0f f0');
    expect(hex(answer)).toBe(`79 ${hex(h.board.pmicNvm)} 00 00 00 00 00 00 00 00`);
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0xf4, 8));
    expect(hex(await h.exchange('07 f8'))).toBe('5f');
  });

  it('ABORTs a Read Partition of a partition no flashlayout declared, moving to phase 0xFF', async () => {
    const h = uboot();
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0x10, 0));
    expect(hex(await h.exchange('ff 00'))).toBe('5f');
    expect(await phaseText(h)).toBe('read failed : phase 16 is unknown');
  });

  it('programs the OTP from a downloaded structure at Start 0xF2, and a fresh read shows it', async () => {
    const h = uboot();
    await downloadStructure(h, request([[10, 0x0abcdef0, 0xc0000000]]));
    expect(await start(h, 0xf2)).toBe('79');
    const after = Buffer.concat([await readOtp(h, 0, 256), await readOtp(h, 256, 256), await readOtp(h, 512, 256), await readOtp(h, 768, 8)]);
    expect(after.readUInt32LE(8 + 80)).toBe(0x0abcdef0);
    expect(after.readUInt32LE(12 + 80)).toBe(0x40000000);
    expect(after.equals(h.board.fuseStructure())).toBe(true);
  });

  it('stops at the first word it cannot program: ABORT, earlier words programmed, later ones not', async () => {
    const h = uboot();
    // Word 5 is free, word 7 is permanently locked on the DK2, word 9 comes after it.
    await downloadStructure(h, request([[5, 0x55], [7, 0x1], [9, 0x99]]));
    expect(await start(h, 0xf2)).toBe('5f');
    const fuses = h.board.fuseStructure();
    expect(fuses.readUInt32LE(8 + 8 * 5)).toBe(0x55);
    expect(fuses.readUInt32LE(8 + 8 * 9)).toBe(0);
    expect(await phaseText(h)).toBe('OTP write issue -5');
  });

  it('ABORTs Start 0xF2 with nothing downloaded ("start OTP without data")', async () => {
    const h = uboot();
    expect(await start(h, 0xf2)).toBe('5f');
    expect(await phaseText(h)).toBe('start OTP without data');
  });

  it('NACKs a wrong packet number at once, and expects the same number again', async () => {
    const h = uboot();
    expect(await downloadPacket(h, 0xf2, 0, Buffer.alloc(256))).toBe('79');
    await h.exchange('31 ce');
    expect(hex(await h.exchange(downloadAddress(0xf2, 2)))).toBe('79 1f');
    expect(await downloadPacket(h, 0xf2, 1, Buffer.alloc(256))).toBe('79');
  });

  it('NACKs an unsupported OP at once, without reading the length and data', async () => {
    const h = uboot();
    await h.exchange('31 ce');
    expect(hex(await h.exchange(downloadAddress(0xf3, 0)))).toBe('79 1f');
    // The host's data now lands in the command loop: 0x7F is a sync there.
    expect(hex(await h.exchange([0x7f]))).toBe('79');
  });

  it('NACKs a packet whose data does not all arrive within 30 ms: pause 30 ms, drain, NACK; the packet is not counted', async () => {
    const h = uboot();
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0xf2, 0));
    const frame = downloadData(Buffer.alloc(256, 0x11));
    await h.send(frame.subarray(0, 100));
    expect(hex(await h.advance(29))).toBe('');
    await h.send(frame.subarray(100, 200));
    expect(hex(await h.advance(2))).toBe('');
    await h.send(frame.subarray(200));
    expect(hex(await h.advance(28))).toBe('');
    expect(hex(await h.advance(2))).toBe('1f');
    expect(await downloadPacket(h, 0xf2, 0, Buffer.alloc(256))).toBe('79');
  });

  it('accepts a packet whose data arrives in pieces within the 30 ms window', async () => {
    const h = uboot();
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0xf4, 0));
    const frame = downloadData(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    await h.send(frame.subarray(0, 4));
    await h.advance(25);
    expect(hex(await h.exchange(frame.subarray(4)))).toBe('79');
  });

  it('NACKs a packet with a bad data checksum after a 30 ms pause', async () => {
    const h = uboot();
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0xf2, 0));
    const frame = downloadData(Buffer.alloc(16, 0x22));
    frame[frame.length - 1] ^= 0xff;
    expect(hex(await h.exchange(frame))).toBe('');
    expect(hex(await h.advance(30))).toBe('1f');
  });

  it('NACKs a Download with a bad address checksum', async () => {
    const h = uboot();
    await h.exchange('31 ce');
    const addr = downloadAddress(0xf2, 0);
    addr[4] ^= 1;
    expect(hex(await h.exchange(addr))).toBe('1f');
  });

  it('programs the PMIC NVM at Start 0xF4', async () => {
    const h = uboot();
    expect(await downloadPacket(h, 0xf4, 0, Buffer.from([8, 7, 6, 5, 4, 3, 2, 1]))).toBe('79');
    expect(await start(h, 0xf4)).toBe('79');
    expect(hex(h.board.pmicNvm)).toBe('08 07 06 05 04 03 02 01');
  });

  it('NACKs a Start with a bad address checksum', async () => {
    const h = uboot();
    await h.exchange('21 de');
    const addr = address(0xf2);
    addr[4] ^= 1;
    expect(hex(await h.exchange(addr))).toBe('1f');
  });

  it('ABORTs Start of a phase id that is not the current one', async () => {
    const h = uboot();
    expect(await start(h, 0x05)).toBe('5f');
    expect(await phaseText(h)).toBe('invalid received phase id 5, current phase is 0');
  });

  it('ABORTs Start of an address ≥ 0x100: the jumped-to code returns', async () => {
    const h = uboot();
    expect(await start(h, 0xc2000000)).toBe('5f');
    expect(hex(await getPhase(h))).toBe('79 05 00 00 00 00 c2 00 79');
  });

  it('moves to END at Start 0xFE, and resets the board at the next Start 0xFFFFFFFF', async () => {
    const h = uboot();
    expect(await start(h, 0xfe)).toBe('79');
    expect(hex(await getPhase(h))).toBe('79 05 fe ff ff ff ff 00 79');
    expect(await start(h, 0xffffffff)).toBe('79');
    expect(hex(await h.advance(20))).toBe('1f');
    expect(h.board.log.some((e) => e.kind === 'reset')).toBe(true);
  });

  it('takes a flashlayout, then each partition in turn until phase END, and reads a partition back', async () => {
    const h = uboot();
    const tsv = Buffer.from('#Opt\tId\tName\tType\tIP\tOffset\tBinary\n-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a.stm32\nP\t0x10\tdata\tBinary\tmmc0\t0x00080000\tdata.bin\n');
    expect(await downloadPacket(h, 0x00, 0, tsv)).toBe('79');
    expect(await start(h, 0x00)).toBe('79');
    expect(hex(await getPhase(h))).toBe('79 05 10 ff ff ff ff 00 79');
    const payload = Buffer.from('hello partition');
    expect(await downloadPacket(h, 0x00, 0, payload)).toBe('79');
    expect(await start(h, 0xffffffff)).toBe('79');
    expect(hex(await getPhase(h))).toBe('79 05 fe ff ff ff ff 00 79');
    expect(h.board.flash.get(0x10)?.toString()).toBe('hello partition');
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0x10, 0));
    const answer = await h.exchange([31, ~31 & 0xff]);
    expect(answer.subarray(1, 1 + payload.length).toString()).toBe('hello partition');
    expect(answer.subarray(1 + payload.length).every((b) => b === 0)).toBe(true);
  });

  it('records a bad flashlayout as phase 0xFF with the parser message, still ACKing the Start', async () => {
    const h = uboot();
    expect(await downloadPacket(h, 0x00, 0, Buffer.from('P\t0x10\tdata\n'))).toBe('79');
    expect(await start(h, 0x00)).toBe('79');
    expect(await phaseText(h)).toBe('Layout line 1: no enought column');
  });

  it('answers Read Memory: address ACK, length ACK, then the bytes', async () => {
    const h = uboot();
    expect(hex(await h.exchange('11 ee'))).toBe('79');
    expect(hex(await h.exchange(address(0x2ffc0000)))).toBe('79');
    expect(hex(await h.exchange('03 fc'))).toBe('79 00 00 00 00');
    await h.exchange('11 ee');
    const bad = address(0x2ffc0000);
    bad[4] ^= 1;
    expect(hex(await h.exchange(bad))).toBe('1f');
    await h.exchange('11 ee');
    await h.exchange(address(0x2ffc0000));
    expect(hex(await h.exchange('03 fd'))).toBe('1f');
  });

  it('logs each command with its name, result and packet number', async () => {
    const h = uboot();
    await downloadPacket(h, 0xf2, 0, Buffer.alloc(8));
    const e = h.board.log.find((x) => x.kind === 'command' && x.name === 'Download');
    expect(e).toMatchObject({ code: 0x31, result: 'ack', op: 0xf2, packet: 0, length: 8, stage: 'u-boot', phase: 0 });
  });
});
