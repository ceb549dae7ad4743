import { describe, expect, it } from 'vitest';
import { AbortError, LinkError, NackError, TimeoutError } from '../../src/errors.js';
import type { LinkEvent } from '../../src/link/events.js';
import { Link } from '../../src/link/link.js';
import { ManualClock } from '../../src/util/clock.js';
import { drive, failure, memoryLogger, ScriptedTransport } from './scripted-transport.js';

const GET_UBOOT = { tx: '00ff', rx: '79 08 40 00 01 02 03 11 12 21 31 79' };
const GET_ROM = { tx: '00ff', rx: '79 06 40 00 01 02 03 21 31 79' };
const data8 = '0102030405060708';

function setup(steps: ConstructorParameters<typeof ScriptedTransport>[0], options: ConstructorParameters<typeof Link>[1] = {}) {
  const clock = new ManualClock();
  const transport = new ScriptedTransport(steps, clock);
  const link = new Link(transport, options);
  return { clock, transport, link };
}

describe('sync', () => {
  it('drains stale input, then one 0x7F answered by ACK is enough', async () => {
    const { transport, link, clock } = setup([{ tx: '7f', rx: '79' }]);
    transport.inject('1f 55 42'); // an old unsolicited NACK and boot log text
    const events: LinkEvent[] = [];
    link.onEvent((e) => events.push(e));
    await drive(clock, link.sync());
    expect(transport.writes).toEqual(['7f']);
    expect(events[0]).toMatchObject({ type: 'sync', ok: true, attempts: 1 });
    expect((events[0] as { discarded: Buffer }).discarded.toString('hex')).toBe('1f5542');
  });

  it('treats a NACK or junk as stale, waits for quiet, and sends 0x7F again', async () => {
    const { transport, link, clock } = setup([
      { tx: '7f', rx: '1f' },
      { tx: '7f', rx: '55 2e 42 6f 6f 74' },
      { tx: '7f', rx: '79' },
      { tx: '7f', rx: '79' }, // confirming re-sync
    ]);
    await drive(clock, link.sync());
    expect(transport.writes).toEqual(['7f', '7f', '7f', '7f']);
    expect(transport.available).toBe(0);
  });

  it('keeps sending 0x7F after silence, and trusts an ACK only when silence follows it', async () => {
    // The second 0x7F gets two ACKs (the first 0x7F was answered late): the ACK is suspect, the
    // extra byte is drained, and one more 0x7F must be answered by a lone ACK, then confirmed by
    // a second one (the device may have taken the 0x7F bytes as a command's arguments).
    const { transport, link, clock } = setup([{ tx: '7f', rx: '' }, { tx: '7f', rx: '79 79' }, { tx: '7f', rx: '79' }, { tx: '7f', rx: '79' }, GET_UBOOT]);
    await drive(clock, link.sync());
    expect(transport.writes).toEqual(['7f', '7f', '7f', '7f']);
    expect(transport.available).toBe(0);
    // The extra ACK did not shift the next answer.
    expect((await drive(clock, link.get())).commands).toContain(0x12);
  });

  it('fails with SYNC_FAILED within the sync timeout when nothing answers', async () => {
    const clock = new ManualClock();
    const transport = new ScriptedTransport([], clock, () => '');
    const link = new Link(transport, { syncTimeoutMs: 1000 });
    const err = await failure(drive(clock, link.sync()));
    expect(err).toBeInstanceOf(LinkError);
    expect(err.code).toBe('SYNC_FAILED');
    expect(clock.now()).toBeLessThanOrEqual(1010);
    expect(transport.writes.length).toBeGreaterThan(1);
    expect(err.message).toMatch(/scripted/);
  });
});

describe('commands through the runner', () => {
  it('checks the command list from Get before sending a command the stage lacks', async () => {
    const { transport, link, clock } = setup([GET_ROM]);
    await drive(clock, link.get());
    const err = await failure(link.readPartition(0xf2, 0, 256));
    expect(err.code).toBe('NOT_SUPPORTED');
    expect(err.details.command).toBe('Read Partition');
    expect(transport.writes).toEqual(['00ff']);
  });

  it('infers the ROM code from its option bytes and names it in a NOT_SUPPORTED error', async () => {
    const { link, clock } = setup([GET_ROM, { tx: '01fe', rx: '79 10 00 00 79' }]);
    await drive(clock, link.get());
    const v = await drive(clock, link.getVersion());
    expect(v.optionBytes.toString('hex')).toBe('0000');
    expect(link.stage).toBe('rom');
    await expect(link.readMemory(0, 4)).rejects.toThrow(/ROM code/);
  });

  it('re-syncs after a NACK and retries a read with the same bytes (lock-step: no length after the NACK)', async () => {
    const { transport, link, clock } = setup(
      [
        { tx: '12ed', rx: '79' },
        { tx: 'f200000300f1', rx: '1f' },
        { tx: '7f', rx: '79' },
        { tx: '7f', rx: '79' }, // confirming re-sync
        { tx: '12ed', rx: '79' },
        { tx: 'f200000300f1', rx: '79' },
        { tx: '07f8', rx: `79 ${data8}` },
      ],
      { sendAhead: false },
    );
    const data = await drive(clock, link.readPartition(0xf2, 768, 8));
    expect(data.toString('hex')).toBe(data8);
    expect(transport.remainingSteps).toBe(0);
  });

  it('sends the Read Partition length ahead of the address ACK by default, and re-syncs over it after a NACK', async () => {
    // U-Boot NACKs a bad address XOR and goes back to its loop: the length sent ahead (07 f8, no
    // command code) reaches the loop as a stray pair that the re-sync's drain and NACK handling absorb.
    const { transport, link, clock } = setup([
      { tx: '12ed', rx: '79' },
      { tx: 'f200000300f1', rx: '1f' },
      { tx: '07f8', rx: '' },
      { tx: '7f', rx: '79' },
      { tx: '7f', rx: '79' }, // confirming re-sync
      { tx: '12ed', rx: '79' },
      { tx: 'f200000300f1', rx: '79' },
      { tx: '07f8', rx: `79 ${data8}` },
    ]);
    const data = await drive(clock, link.readPartition(0xf2, 768, 8));
    expect(data.toString('hex')).toBe(data8);
    expect(transport.remainingSteps).toBe(0);
  });

  it('keeps the lock-step exchange for the lengths whose N-1 byte is a command code or 0x7F', async () => {
    // If the address were NACKed, `N-1 ~(N-1)` would reach U-Boot's loop as a real command (or a sync).
    for (const length of [1, 2, 3, 4, 18, 19, 34, 50, 128]) {
      const lengthHex = Buffer.from([length - 1, ~(length - 1) & 0xff]).toString('hex');
      const { transport, link, clock } = setup([
        { tx: '12ed', rx: '79' },
        { tx: 'f200000000f2', rx: '1f' },
        { tx: '7f', rx: '79' },
        { tx: '7f', rx: '79' },
        { tx: '12ed', rx: '79' },
        { tx: 'f200000000f2', rx: '79' },
        { tx: lengthHex, rx: `79 ${'00'.repeat(length)}` },
      ]);
      const data = await drive(clock, link.readPartition(0xf2, 0, length));
      expect(data.length, `length ${length}`).toBe(length);
      expect(transport.writes, `length ${length}`).toEqual(['12ed', 'f200000000f2', '7f', '7f', '12ed', 'f200000000f2', lengthHex]);
    }
  });

  it('re-syncs after a timeout mid-answer and retries the read', async () => {
    const { transport, link, clock } = setup(
      [
        { tx: '12ed', rx: '79' },
        { tx: 'f200000000f2', rx: '79' },
        { tx: '07f8', rx: '79 0102' }, // 2 of 8 data bytes, then silence
        { tx: '7f', rx: '79' },
        { tx: '7f', rx: '79' }, // confirming re-sync
        { tx: '12ed', rx: '79' },
        { tx: 'f200000000f2', rx: '79' },
        { tx: '07f8', rx: `79 ${data8}` },
      ],
      { answerTimeoutMs: 100 },
    );
    expect((await drive(clock, link.readPartition(0xf2, 0, 8))).toString('hex')).toBe(data8);
    expect(transport.remainingSteps).toBe(0);
  });

  it('gives up after the bounded retries with the command named in the error', async () => {
    const nack = [{ tx: '12ed', rx: '1f' }, { tx: '7f', rx: '79' }, { tx: '7f', rx: '79' }];
    const { link, clock } = setup([...nack, ...nack, { tx: '12ed', rx: '1f' }], { retries: 2 });
    const err = await failure(drive(clock, link.readPartition(0xf2, 0, 8)));
    expect(err).toBeInstanceOf(NackError);
    expect(err.message).toMatch(/^Read Partition: /);
    expect(err.details).toMatchObject({ command: 'Read Partition', attempts: 3 });
  });

  it('reports ABORT as AbortError without retrying or re-syncing', async () => {
    const { transport, link, clock } = setup([
      { tx: '12ed', rx: '79' },
      { tx: 'f200000000f2', rx: '79' },
      { tx: 'ff00', rx: '5f' },
      { tx: '02fd', rx: '79 01 05 00 79' },
    ]);
    await expect(drive(clock, link.readPartition(0xf2, 0, 256))).rejects.toBeInstanceOf(AbortError);
    expect(await drive(clock, link.getId())).toBe(0x500);
    expect(transport.writes).not.toContain('7f');
  });

  it('reports a stray answer byte as PROTOCOL carrying the byte, then re-syncs before the next command', async () => {
    const { transport, link, clock } = setup([
      { tx: '21de', rx: '42' },
      { tx: '7f', rx: '79' },
      { tx: '7f', rx: '79' }, // confirming re-sync
      { tx: '02fd', rx: '79 01 05 01 79' },
    ]);
    const err = await failure(drive(clock, link.start(0xf2)));
    expect(err.code).toBe('PROTOCOL');
    expect(err.details).toMatchObject({ byte: 0x42, command: 'Start' });
    expect(await drive(clock, link.getId())).toBe(0x501);
    expect(transport.writes).toEqual(['21de', '7f', '7f', '02fd']);
  });

  it('never retries Start, even after a NACK', async () => {
    const { transport, link, clock } = setup([
      { tx: '21de', rx: '79' },
      { tx: '000000f2f2', rx: '1f' },
    ]);
    await expect(drive(clock, link.start(0xf2))).rejects.toBeInstanceOf(NackError);
    expect(transport.writes).toEqual(['21de', '000000f2f2']);
  });

  it('re-sends a NACKed Download packet with the same number, as one write each time', async () => {
    const packet = '01 1122 32';
    const { transport, link, clock } = setup([
      { tx: '31ce', rx: '79' },
      { tx: 'f2000005f7', rx: '79' },
      { tx: packet, rx: '1f' },
      { tx: '7f', rx: '79' },
      { tx: '7f', rx: '79' }, // confirming re-sync
      { tx: '31ce', rx: '79' },
      { tx: 'f2000005f7', rx: '79' },
      { tx: packet, rx: '79' },
    ]);
    await drive(clock, link.download(0xf2, 5, Buffer.from([0x11, 0x22])));
    expect(transport.writes.filter((w) => w === '01112232')).toHaveLength(2);
    expect(transport.remainingSteps).toBe(0);
  });

  it('does not retry a Download whose answer never came: what the device stored is unknown', async () => {
    const { transport, link, clock } = setup(
      [
        { tx: '31ce', rx: '79' },
        { tx: 'f2000000f2', rx: '79' },
        { tx: '0011 11', rx: '' },
      ],
      { answerTimeoutMs: 100 },
    );
    await expect(drive(clock, link.download(0xf2, 0, Buffer.from([0x11])))).rejects.toBeInstanceOf(TimeoutError);
    expect(transport.writes).toHaveLength(3);
  });

  it('after a failure mid-command, trusts the re-sync only when a second 0x7F is ACKed too', async () => {
    // The device had ACKed Read Partition and took five 0x7F as a valid address (XOR 0x7F): that
    // ACK is followed by silence (it waits for a length), so the confirming 0x7F gets no answer.
    const { transport, link, clock } = setup(
      [
        { tx: '12ed', rx: '55' },
        { tx: '7f', rx: '79' },
        { tx: '7f', rx: '' },
        { tx: '7f', rx: '1f' },
        { tx: '7f', rx: '79' },
        { tx: '7f', rx: '79' },
        { tx: '12ed', rx: '79' },
        { tx: 'f200000000f2', rx: '79' },
        { tx: '07f8', rx: '79 0102030405060708' },
      ],
      { retries: 1 },
    );
    expect((await drive(clock, link.readPartition(0xf2, 0, 8))).toString('hex')).toBe(data8);
    expect(transport.remainingSteps).toBe(0);
  });

  it('stops at the early NACK of an unsupported Download target, then re-syncs', async () => {
    const { transport, link, clock } = setup([
      { tx: '31ce', rx: '79' },
      { tx: '42000000 42', rx: '79 1f' },
      { tx: '7f', rx: '79' },
      { tx: '7f', rx: '79' }, // confirming re-sync
      { tx: '02fd', rx: '79 01 05 00 79' },
    ]);
    const err = await failure(drive(clock, link.download(0x42, 0, Buffer.from([1]))));
    expect(err).toBeInstanceOf(NackError);
    expect(transport.writes).toEqual(['31ce', '4200000042']);
    await drive(clock, link.getId());
    expect(transport.writes.slice(2)).toEqual(['7f', '7f', '02fd']);
  });
});

describe('events and logs', () => {
  it('reports every frame decoded and one command line with its exchange latencies', async () => {
    const logger = memoryLogger();
    const { link, clock } = setup([{ tx: '12ed', rx: '79' }, { tx: 'f200000100f3', rx: '79' }, { tx: '07f8', rx: `79 ${data8}` }], { logger });
    const frames: LinkEvent[] = [];
    link.onEvent((e) => frames.push(e));
    await drive(clock, link.readPartition(0xf2, 256, 8));
    const tx = frames.filter((e) => e.type === 'frame' && e.dir === 'tx');
    expect(tx.map((e) => (e as { what: string }).what)).toEqual(['command', 'partition and offset', 'length']);
    expect(tx[1]).toMatchObject({ fields: { partition: '0xf2', offset: 256, checksum: 0xf3 } });
    const done = frames.find((e) => e.type === 'command');
    expect(done).toMatchObject({ command: 'Read Partition', ok: true, attempts: 1, args: { partition: '0xf2 OTP', offset: 256, length: 8 } });
    expect((done as { latencyMs: number[] }).latencyMs).toHaveLength(3);
    expect(logger.lines.filter((l) => l.level === 'debug' && l.msg === 'Read Partition: ok')).toHaveLength(1);
    // command, its ACK, address and length (sent ahead), the address ACK, the ACK that starts the data, the data.
    expect(logger.lines.filter((l) => l.level === 'trace').map((l) => l.obj.dir)).toEqual(['tx', 'rx', 'tx', 'tx', 'rx', 'rx', 'rx']);
    expect(tx[2]).toMatchObject({ fields: { length: 8, sentAhead: true } });
  });

  it('logs the lock-step order when send-ahead is off', async () => {
    const logger = memoryLogger();
    const { link, clock } = setup([{ tx: '12ed', rx: '79' }, { tx: 'f200000100f3', rx: '79' }, { tx: '07f8', rx: `79 ${data8}` }], { logger, sendAhead: false });
    await drive(clock, link.readPartition(0xf2, 256, 8));
    expect(logger.lines.filter((l) => l.level === 'trace').map((l) => l.obj.dir)).toEqual(['tx', 'rx', 'tx', 'rx', 'tx', 'rx', 'rx']);
  });
});
