import { describe, expect, it } from 'vitest';
import type { Link } from '../../src/link/link.js';
import { downloadBuffer, type TransferProgress } from '../../src/operations/transfer.js';

function recordingLink(failAt?: number) {
  const packets: { op: number; packet: number; data: Buffer }[] = [];
  const link = {
    download: async (op: number, packet: number, data: Uint8Array) => {
      if (packet === failAt) throw new Error('link failed');
      packets.push({ op, packet, data: Buffer.from(data) });
    },
  } as unknown as Link;
  return { link, packets };
}

describe('downloadBuffer', () => {
  it('sends 256-byte packets numbered from 0, the last one carrying what is left', async () => {
    const data = Buffer.from(Array.from({ length: 600 }, (_, i) => i & 0xff));
    const { link, packets } = recordingLink();
    const progress: TransferProgress[] = [];
    await downloadBuffer(link, 0xf2, data, (p) => progress.push(p));
    expect(packets.map((p) => [p.op, p.packet, p.data.length])).toEqual([
      [0xf2, 0, 256],
      [0xf2, 1, 256],
      [0xf2, 2, 88],
    ]);
    expect(Buffer.concat(packets.map((p) => p.data)).equals(data)).toBe(true);
    expect(progress).toEqual([
      { sent: 256, total: 600, packet: 0 },
      { sent: 512, total: 600, packet: 1 },
      { sent: 600, total: 600, packet: 2 },
    ]);
  });

  it('sends an exact multiple of 256 without an empty last packet, and a short buffer as one packet', async () => {
    const a = recordingLink();
    await downloadBuffer(a.link, 0, Buffer.alloc(512));
    expect(a.packets.map((p) => p.data.length)).toEqual([256, 256]);
    const b = recordingLink();
    await downloadBuffer(b.link, 0xf4, Buffer.alloc(8, 0xaa));
    expect(b.packets.map((p) => [p.op, p.packet, p.data.toString('hex')])).toEqual([[0xf4, 0, 'aaaaaaaaaaaaaaaa']]);
  });

  it('stops at the first packet the link could not deliver', async () => {
    const { link, packets } = recordingLink(1);
    await expect(downloadBuffer(link, 0, Buffer.alloc(1000))).rejects.toThrow('link failed');
    expect(packets.map((p) => p.packet)).toEqual([0]);
  });
});
