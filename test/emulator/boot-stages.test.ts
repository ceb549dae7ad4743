import { describe, expect, it } from 'vitest';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import { address, downloadAddress, downloadData, hex, RawHost, TimerCountingClock } from './raw.js';

/** A minimal, valid STM32 image: header v1 (MP15) or v2 with a 0x180-byte padding extension (MP13). */
function fsbl(version: 1 | 2, payload = Buffer.from('tf-a bl2 payload bytes'.repeat(20))): Buffer {
  const headerSize = version === 1 ? 256 : 0x80 + 0x180;
  const h = Buffer.alloc(headerSize);
  h.write('STM2', 0, 'latin1');
  h.writeUInt32LE(payload.reduce((s, b) => (s + b) >>> 0, 0), 0x44);
  h.writeUInt32LE(version === 1 ? 0x00010000 : 0x00020000, 0x48);
  h.writeUInt32LE(payload.length, 0x4c);
  h.writeUInt32LE(0x2ffc2500, 0x50);
  if (version === 1) h[0xff] = 0x10;
  else {
    h.writeUInt32LE(0x80000000, 0x64);
    h.writeUInt32LE(0x180, 0x68);
    h.writeUInt32LE(0x10, 0x6c);
    h.writeUInt32LE(0xffff5453, 0x80);
    h.writeUInt32LE(0x180, 0x84);
  }
  return Buffer.concat([h, payload]);
}

/** A FIP: ToC name 0xAA640001 and a non-zero serial number, then anything. */
function fip(serial = 0x12345678): Buffer {
  const b = Buffer.alloc(600, 0xab);
  b.writeUInt32LE(0xaa640001, 0);
  b.writeUInt32LE(serial, 4);
  return b;
}

/** Downloads `image` in 256-byte packets (OP 0x00), each answered ACK. */
async function download(h: RawHost, image: Buffer): Promise<void> {
  for (let p = 0; p * 256 < image.length; p++) {
    expect(hex(await h.exchange('31 ce'))).toBe('79');
    expect(hex(await h.exchange(downloadAddress(0x00, p)))).toBe('79');
    expect(hex(await h.exchange(downloadData(image.subarray(p * 256, p * 256 + 256))))).toBe('79');
  }
}

async function startDefault(h: RawHost): Promise<string> {
  expect(hex(await h.exchange('21 de'))).toBe('79');
  return hex(await h.exchange(address(0xffffffff)));
}

/** A board in the ROM code, synced. */
async function rom(soc: 'STM32MP15' | 'STM32MP13' = 'STM32MP15', faults = '', clock?: TimerCountingClock): Promise<RawHost> {
  const h = new RawHost({ stage: 'rom', soc, faults: parseFaultPlan(faults) }, true, clock);
  expect(hex(await h.exchange([0x7f]))).toBe('79');
  return h;
}

/** A board in TF-A, reached through the ROM; TF-A's unsolicited NACK taken. */
async function tfa(): Promise<RawHost> {
  const h = await rom();
  await download(h, fsbl(1));
  expect(await startDefault(h)).toBe('79');
  expect(hex(await h.advance(5))).toBe('1f');
  expect(h.board.stage).toBe('tf-a');
  return h;
}

describe('ROM code stage, driven by raw bytes', () => {
  it('stays silent until the first 0x7F, then ACKs it', async () => {
    const h = new RawHost({ stage: 'rom' });
    expect(hex(await h.exchange('00 ff 02 fd', 50))).toBe('');
    expect(hex(await h.exchange([0x7f]))).toBe('79');
  });

  it('answers Get, Get Version (three bytes), Get ID and Get Phase as a real MP15 ROM does', async () => {
    const h = await rom();
    expect(hex(await h.exchange('00 ff'))).toBe('79 06 40 00 01 02 03 21 31 79');
    expect(hex(await h.exchange('01 fe'))).toBe('79 10 00 00 79');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
    expect(hex(await h.exchange('03 fc'))).toBe('79 06 01 00 24 fc 2f 01 00 79');
  });

  it('answers Get ID 0x501 and its SYSRAM address on an MP13', async () => {
    const h = await rom('STM32MP13');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 01 79');
    expect(hex(await h.exchange('03 fc'))).toBe('79 06 01 00 fe fd 2f 01 00 79');
  });

  it('does not know Read Partition: 3 ms pause, then NACK', async () => {
    const h = await rom();
    expect(hex(await h.exchange('12 ed', 3))).toBe('1f');
  });

  it('NACKs a command whose complement does not come within 20 ms', async () => {
    const h = await rom();
    expect(hex(await h.exchange([0x00], 22.9))).toBe('');
    expect(hex(await h.advance(0.2))).toBe('1f');
  });

  it('takes a valid FSBL, ACKs Start 0xFFFFFFFF, and TF-A starts with its unsolicited NACK', async () => {
    const h = await rom();
    const image = fsbl(1);
    await download(h, image);
    expect(await startDefault(h)).toBe('79');
    expect(hex(await h.advance(4))).toBe('');
    expect(hex(await h.advance(1))).toBe('1f');
    expect(h.board.stage).toBe('tf-a');
    expect(h.board.flash.get(0x01)?.equals(image)).toBe(true);
  });

  it('takes an MP13 FSBL with header v2 and refuses a v1 header there', async () => {
    const h = await rom('STM32MP13');
    await download(h, fsbl(1));
    expect(await startDefault(h)).toBe('1f');
    await download(h, fsbl(2));
    expect(await startDefault(h)).toBe('79');
  });

  it('NACKs an image with a bad checksum and stays in phase 0x01 with an empty buffer', async () => {
    const h = await rom();
    const image = fsbl(1);
    image[300] ^= 0xff;
    await download(h, image);
    expect(await startDefault(h)).toBe('1f');
    expect(hex(await h.exchange('03 fc'))).toBe('79 06 01 00 24 fc 2f 01 00 79');
    expect(h.board.stage).toBe('rom');
    await download(h, fsbl(1)); // packet numbers start again at 0
    expect(await startDefault(h)).toBe('79');
  });

  it('NACKs a Start at an address other than 0xFFFFFFFF', async () => {
    const h = await rom();
    await download(h, fsbl(1));
    await h.exchange('21 de');
    expect(hex(await h.exchange(address(0x2ffc2500)))).toBe('1f');
  });

  it('NACKs a packet that would make the FSBL larger than 247 KiB', async () => {
    const h = await rom();
    for (let p = 0; p < 988; p++) {
      await h.exchange('31 ce');
      await h.exchange(downloadAddress(0, p));
      expect(hex(await h.exchange(downloadData(Buffer.alloc(256))))).toBe('79');
    }
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0, 988));
    expect(hex(await h.exchange(downloadData(Buffer.alloc(256))))).toBe('1f');
  });
});

describe('stage changes, closes and hangs', () => {
  it('closing the board while TF-A is starting leaves no timer armed, and TF-A never speaks', async () => {
    const clock = new TimerCountingClock();
    const h = await rom('STM32MP15', '', clock);
    await download(h, fsbl(1));
    expect(await startDefault(h)).toBe('79');
    expect(clock.armedTimers).toBe(1); // the jump to TF-A
    h.board.close();
    expect(clock.armedTimers).toBe(0);
    expect(hex(await h.advance(100))).toBe('');
  });

  it('silent-stage:tf-a: the ROM ACKs Start, then TF-A sends no NACK and answers nothing', async () => {
    const clock = new TimerCountingClock();
    const h = await rom('STM32MP15', 'silent-stage:tf-a', clock);
    await download(h, fsbl(1));
    expect(await startDefault(h)).toBe('79');
    expect(hex(await h.advance(1000))).toBe('');
    expect(h.board.stage).toBe('tf-a');
    expect(hex(await h.exchange([0x7f], 1000))).toBe('');
    expect(hex(await h.exchange('03 fc', 1000))).toBe('');
    expect(clock.armedTimers).toBe(0);
  });
});

describe('TF-A stage, driven by raw bytes', () => {
  it('answers Get, Get Version (one byte) and Get Phase 0x03 with its FIP buffer address', async () => {
    const h = await tfa();
    expect(hex(await h.exchange('00 ff'))).toBe('79 06 40 00 01 02 03 21 31 79');
    expect(hex(await h.exchange('01 fe'))).toBe('79 00 79');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
    expect(hex(await h.exchange('03 fc'))).toBe('79 05 03 00 00 00 c0 00 79');
  });

  it('NACKs a wrong packet number before reading the address checksum', async () => {
    const h = await tfa();
    await h.exchange('31 ce');
    const addr = downloadAddress(0x00, 5);
    expect(hex(await h.exchange(addr.slice(0, 4)))).toBe('1f');
    // The checksum byte then arrives in the loop: an unknown byte, NACKed after 3 ms.
    expect(hex(await h.exchange(addr.slice(4), 3))).toBe('1f');
  });

  it('NACKs a Download whose bytes stop for 20 ms, and a bad data checksum, keeping the packet number', async () => {
    const h = await tfa();
    await h.exchange('31 ce');
    expect(hex(await h.exchange([0x00, 0x00], 19))).toBe('');
    expect(hex(await h.advance(1))).toBe('1f');
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0x00, 0));
    const frame = downloadData(fip().subarray(0, 256));
    frame[frame.length - 1] ^= 1;
    expect(hex(await h.exchange(frame))).toBe('1f');
    await download(h, fip().subarray(0, 256)); // packet 0 again
  });

  it('boots U-Boot after a good FIP: ACK, then U-Boot\'s unsolicited NACK and phase 0x00', async () => {
    const h = await tfa();
    await download(h, fip());
    expect(await startDefault(h)).toBe('79');
    expect(hex(await h.advance(20))).toBe('1f');
    expect(h.board.stage).toBe('u-boot');
    expect(hex(await h.exchange('03 fc'))).toBe('79 05 00 00 00 00 c2 00 79');
    expect(h.board.flash.get(0x03)?.length).toBe(600);
  });

  it('NACKs a buffer without a FIP header, then Get Phase gives phase 0xFF with the message and the board resets', async () => {
    const h = await tfa();
    await download(h, fip(0));
    expect(await startDefault(h)).toBe('1f');
    const answer = await h.exchange('03 fc');
    const text = 'FIP Header check failed c0000000, for phase 3\n';
    // TF-A `uart_send_phase(buffer)`: the FIP buffer address (LE), in phase 0xFF as in any other.
    expect(hex(answer.subarray(0, 8))).toBe(`79 ${(5 + text.length).toString(16)} ff 00 00 00 c0 ${text.length.toString(16)}`);
    expect(answer.subarray(8, 8 + text.length).toString()).toBe(text);
    expect(answer[8 + text.length]).toBe(0x79);
    expect(h.board.stage).toBe('rom');
    expect(hex(await h.exchange([0x7f]))).toBe('79');
  });

  it('ACKs a Start at another address but records "Invalid start" as phase 0xFF', async () => {
    const h = await tfa();
    await h.exchange('21 de');
    expect(hex(await h.exchange(address(0x1234)))).toBe('79');
    const answer = await h.exchange('03 fc');
    expect(answer.subarray(8, 8 + answer[7]!).toString()).toBe('Invalid start at 1234, for phase 3\n');
  });
});
