import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/errors.js';
import { Link } from '../../src/link/link.js';
import { downloadBuffer } from '../../src/operations/transfer.js';
import { ManualClock } from '../../src/util/clock.js';
import { drive, ScriptedTransport } from '../link/scripted-transport.js';

const packet = (hex: string): string => {
  const data = Buffer.from(hex, 'hex');
  let x = data.length - 1;
  for (const b of data) x ^= b;
  return `${(data.length - 1).toString(16).padStart(2, '0')}${hex}${x.toString(16).padStart(2, '0')}`;
};

describe('downloadBuffer', () => {
  it('restarts from packet 0 when a packet answer never came, so a shifted packet is overwritten', async () => {
    // 300 bytes: packet 0 (256) and packet 1 (44). Packet 1's answer never comes (a byte lost on the
    // wire): after the re-sync the whole transfer starts again from packet 0.
    const data = Buffer.alloc(300, 0xab);
    const p0 = packet(data.subarray(0, 256).toString('hex'));
    const p1 = packet(data.subarray(256).toString('hex'));
    const clock = new ManualClock();
    const transport = new ScriptedTransport(
      [
        { tx: '31ce', rx: '79' },
        { tx: 'f2000000f2', rx: '79' },
        { tx: p0, rx: '79' },
        { tx: '31ce', rx: '79' },
        { tx: 'f2000001f3', rx: '79' },
        { tx: p1, rx: '' },
        { tx: '7f', rx: '79' }, // the 0x7F completed the shifted packet and matched its checksum
        { tx: '7f', rx: '79' }, // confirmed: back in the loop
        { tx: '31ce', rx: '79' },
        { tx: 'f2000000f2', rx: '79' },
        { tx: p0, rx: '79' },
        { tx: '31ce', rx: '79' },
        { tx: 'f2000001f3', rx: '79' },
        { tx: p1, rx: '79' },
      ],
      clock,
    );
    const link = new Link(transport, { answerTimeoutMs: 100 });
    await drive(clock, downloadBuffer(link, 0xf2, data, undefined, { restartOnTimeout: 1 }));
    expect(transport.remainingSteps).toBe(0);
  });

  it('gives up with the timeout when restarts are not allowed (boot stages cannot restart)', async () => {
    const clock = new ManualClock();
    const transport = new ScriptedTransport(
      [
        { tx: '31ce', rx: '79' },
        { tx: '00000000 00', rx: '79' },
        { tx: packet('11'), rx: '' },
      ],
      clock,
    );
    const link = new Link(transport, { answerTimeoutMs: 100 });
    await expect(drive(clock, downloadBuffer(link, 0x00, Buffer.from([0x11])))).rejects.toBeInstanceOf(TimeoutError);
  });
});
