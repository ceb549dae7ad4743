import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedBoard, type EmulatedBoardOptions } from '../../src/emulator/board.js';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import { AbortError, NackError } from '../../src/errors.js';
import type { LinkEvent } from '../../src/link/events.js';
import { Link, type LinkOptions } from '../../src/link/link.js';
import { readBoardInfo } from '../../src/operations/info.js';
import { Phase } from '../../src/protocol/constants.js';
import { ManualClock } from '../../src/util/clock.js';
import { drive, failure } from './scripted-transport.js';

const boards: EmulatedBoard[] = [];
afterEach(() => {
  for (const b of boards.splice(0)) b.close();
});

/** The link on the in-process emulated board, on a manual clock: stalls and timeouts cost no real time. */
async function connect(board: Omit<EmulatedBoardOptions, 'clock'> & { faultText?: string } = {}, options: LinkOptions = {}) {
  const clock = new ManualClock();
  const { faultText, ...rest } = board;
  const emulated = new EmulatedBoard({ ...rest, clock, ...(faultText ? { faults: parseFaultPlan(faultText) } : {}) });
  boards.push(emulated);
  const transport = emulated.connect();
  const sent: Buffer[] = [];
  transport.tap((dir, data) => dir === 'tx' && sent.push(Buffer.from(data)));
  await transport.open();
  const link = new Link(transport, options);
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  const run = <T>(p: Promise<T>): Promise<T> => drive(clock, p);
  const retries = (): string[] => events.flatMap((e) => (e.type === 'retry' ? [`${e.command}:${e.reason}`] : []));
  return { clock, board: emulated, transport, link, events, run, retries, sentHex: () => Buffer.concat(sent).toString('hex') };
}

describe('link against the emulated board', () => {
  it('syncs past U-Boot\'s unsolicited NACK on entry and reads the board info', async () => {
    const { link, run, board, sentHex, events } = await connect();
    await run(link.sync());
    const info = await run(readBoardInfo(link));
    expect(info).toMatchObject({ stage: 'u-boot', soc: 'STM32MP15', productId: 0x500, protocolVersion: '4.0', loaderVersion: '0.3' });
    expect(info.commands.map((c) => c.code)).toContain(0x12);
    // Every byte the board got is a byte the link wrote, and the queries went out exactly once.
    expect(board.received.toString('hex')).toBe(sentHex());
    expect(sentHex()).toMatch(/^(7f)+00ff01fe02fd03fc$/);
    // The loop's unsolicited NACK was thrown away by the sync, not taken for an answer.
    expect(events.find((e) => e.type === 'sync')).toMatchObject({ ok: true });
    expect((events.find((e) => e.type === 'sync') as { discarded: Buffer }).discarded.includes(0x1f)).toBe(true);
  });

  it('reads the ROM code of an STM32MP13, option bytes and all', async () => {
    const { link, run } = await connect({ soc: 'STM32MP13', stage: 'rom' });
    await run(link.sync());
    const info = await run(readBoardInfo(link));
    expect(info).toMatchObject({ stage: 'rom', soc: 'STM32MP13', loaderVersion: '1.0', optionBytes: '0000', phase: { id: Phase.FSBL, address: 0x2ffdfe00 } });
    await expect(link.readPartition(Phase.OTP, 0, 8)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('reads the OTP partition byte for byte', async () => {
    const { link, run, board } = await connect();
    await run(link.sync());
    const first = await run(link.readPartition(Phase.OTP, 0, 256));
    const last = await run(link.readPartition(Phase.OTP, 768, 8));
    expect(first.equals(board.fuseStructure().subarray(0, 256))).toBe(true);
    expect(last.equals(board.fuseStructure().subarray(768, 776))).toBe(true);
  });

  it('syncs through U-Boot boot log text printed before the loop', async () => {
    const { link, run, events } = await connect({ bootLog: true });
    await run(link.sync());
    expect(await run(link.getId())).toBe(0x500);
    const sync = events.find((e) => e.type === 'sync');
    expect(sync).toMatchObject({ ok: true });
  });

  it('retries a command answered with junk before its ACK', async () => {
    const { link, run, retries } = await connect({ faultText: 'junk:1' });
    await run(link.sync());
    expect((await run(link.get())).commands).toHaveLength(8);
    expect(retries()).toEqual(['Get:PROTOCOL']);
  });

  it('re-syncs and retries a NACKed command', async () => {
    const { link, run, retries } = await connect({ faultText: 'nack-cmd:2' });
    await run(link.sync());
    await run(link.get());
    expect(await run(link.getId())).toBe(0x500);
    expect(retries()).toEqual(['Get ID:NACK']);
  });

  it('recovers from a byte the board never received', async () => {
    // Byte 1 is the sync 0x7F; byte 3 is the complement of Get ID's 02.
    const { link, run, retries } = await connect({ faultText: 'drop-rx:3' }, { answerTimeoutMs: 200 });
    await run(link.sync());
    expect(await run(link.getId())).toBe(0x500);
    expect(retries()).toHaveLength(1);
  });

  for (const wire of [undefined, { baud: 115_200, latencyMs: 1 }]) {
    it(`recovers from a corrupted Read Partition address whose length went ahead (${wire ? 'wire model' : 'no wire'})`, async () => {
      // Byte 9 is the address XOR (7f, 12 ed, f2 00 00 00 00 f2): U-Boot NACKs the address, and the
      // length sent ahead (ff 00) reaches its loop — or its flush — instead of the data request.
      const clean = await connect(wire ? { wire } : {});
      await clean.run(clean.link.sync());
      const expected = await clean.run(clean.link.readPartition(Phase.OTP, 0, 256));
      const { link, run, retries, sentHex } = await connect({ faultText: 'corrupt-rx:9', ...(wire ? { wire } : {}) });
      await run(link.sync());
      expect((await run(link.readPartition(Phase.OTP, 0, 256))).equals(expected)).toBe(true);
      expect(retries()).toEqual(['Read Partition:NACK']);
      // The length went out right after the address, then the re-sync.
      expect(sentHex()).toContain('12edf200000000f2ff007f');
      expect(await run(link.getId())).toBe(0x500);
    });
  }

  it('waits out a short stall and survives a long one by re-syncing', async () => {
    const short = await connect({ faultText: 'stall:1:300' });
    await short.run(short.link.sync());
    expect(await short.run(short.link.getId())).toBe(0x500);
    expect(short.retries()).toEqual([]);

    const long = await connect({ faultText: 'stall:1:3000' });
    await long.run(long.link.sync());
    expect(await long.run(long.link.getId())).toBe(0x500);
    expect(long.retries()).toEqual(['Get ID:TIMEOUT']);
  });

  it('reports an ABORT without retrying', async () => {
    const { link, run, retries } = await connect({ faultText: 'abort-cmd:1' });
    await run(link.sync());
    const err = await failure(run(link.readPartition(Phase.OTP, 0, 256)));
    expect(err).toBeInstanceOf(AbortError);
    expect(err.details).toMatchObject({ command: 'Read Partition' });
    expect(retries()).toEqual([]);
    expect(await run(link.getId())).toBe(0x500);
  });

  it('stops at an unsupported Download target and carries on after a re-sync', async () => {
    const { link, run } = await connect();
    await run(link.sync());
    const err = await failure(run(link.download(0x42, 0, Buffer.alloc(16, 0xaa))));
    expect(err).toBeInstanceOf(NackError);
    expect(await run(link.getId())).toBe(0x500);
  });
});
