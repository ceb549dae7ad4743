import { describe, expect, it } from 'vitest';
import { EmulatedBoard } from '../../src/emulator/board.js';
import { Deadline, ManualClock } from '../../src/util/clock.js';
import { downloadAddress, downloadData, hex, RawHost } from './raw.js';

const BYTE_MS_115200 = 11_000 / 115_200;

describe('real-time wire model', () => {
  it('delivers each byte after its wire time, plus the latency once per change of direction', async () => {
    const h = new RawHost({ wire: { baud: 115_200, latencyMs: 1 } });
    // The unsolicited NACK crosses (first traffic: no turnaround).
    expect(hex(await h.advance(BYTE_MS_115200 - 0.001))).toBe('');
    expect(hex(await h.advance(0.002))).toBe('1f');
    await h.send('02 fd');
    // Host → device: 2 bytes plus a turnaround; device → host: 5 bytes plus another turnaround.
    const answerAt = 1 + 2 * BYTE_MS_115200 + 1 + 5 * BYTE_MS_115200 - 0.001;
    expect(hex(await h.advance(answerAt - 0.01))).toBe('79 01 05 00');
    expect(hex(await h.advance(0.02))).toBe('79');
  });

  it('lets a 256-byte packet sent in one write pass the 30 ms window at 115200 but not at 9600', async () => {
    for (const [baud, expected] of [
      [115_200, 'ack'],
      [9_600, 'nack'],
    ] as const) {
      const h = new RawHost({ wire: { baud, latencyMs: 1 } });
      expect(hex(await h.advance(5))).toBe('1f');
      expect(hex(await h.exchange('31 ce', 8))).toBe('79');
      expect(hex(await h.exchange(downloadAddress(0xf2, 0), 15))).toBe('79');
      await h.send(downloadData(Buffer.alloc(256, 0x5a)));
      // At 9600 the rest of the data then reaches the loop as stray bytes, NACKed one by one.
      expect((await h.advance(400))[0], `${baud} baud`).toBe(expected === 'ack' ? 0x79 : 0x1f);
      expect(h.board.log.find((e) => e.name === 'Download' && e.packet === 0)?.result).toBe(expected);
    }
  });

  it('keeps a slow line within TF-A/ROM per-byte timeouts: a 256-byte packet at 9600 is ACKed by the ROM', async () => {
    const h = new RawHost({ stage: 'rom', wire: { baud: 9_600, latencyMs: 1 } });
    expect(hex(await h.exchange([0x7f], 5))).toBe('79');
    expect(hex(await h.exchange('31 ce', 8))).toBe('79');
    expect(hex(await h.exchange(downloadAddress(0x00, 0), 12))).toBe('79');
    // 258 bytes take 296 ms on the line; each slice follows the previous within ~2 ms.
    expect(hex(await h.exchange(downloadData(Buffer.alloc(256, 0x5a)), 300))).toBe('79');
  });
});

describe('EmulatorTransport', () => {
  it('is named "emulator", powers the board on when opened, and carries bytes both ways', async () => {
    const clock = new ManualClock();
    const board = new EmulatedBoard({ clock });
    const t = board.connect();
    expect(t.name).toBe('emulator');
    expect(t.clock).toBe(clock);
    await t.open();
    expect(hex(t.drain())).toBe('1f');
    await t.write(Buffer.from([0x00, 0xff]));
    expect(hex(await t.read(12, Deadline.after(clock, 10)))).toBe('79 08 40 00 01 02 03 11 12 21 31 79');
    expect(hex(board.received)).toBe('00 ff');
    await t.close();
    board.input(Buffer.from([0x7f]));
    await clock.advance(1);
    expect(t.available).toBe(0);
    board.close();
  });
});
