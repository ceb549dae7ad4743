import { describe, expect, it } from 'vitest';
import { LinkError, TimeoutError } from '../../src/errors.js';
import type { Link } from '../../src/link/link.js';
import { bootToUBoot, type BootEvent } from '../../src/operations/boot.js';
import { Reply, type Stage } from '../../src/protocol/constants.js';
import { QueueTransport } from '../../src/transport/transport.js';
import { ManualClock, type Clock } from '../../src/util/clock.js';
import { makeBootImages } from './boot-files.js';

const ROM_COMMANDS = [0x00, 0x01, 0x02, 0x03, 0x21, 0x31];
const UBOOT_COMMANDS = [0x00, 0x01, 0x02, 0x03, 0x11, 0x12, 0x21, 0x31];

/** A wire that answers 0x7F with ACK while `answering`, and lets the test push what a new stage says. */
class ScriptedWire extends QueueTransport {
  answering = true;
  readonly sent: Buffer[] = [];
  constructor(clock: Clock) {
    super('scripted', clock);
  }
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  protected async sendBytes(data: Buffer): Promise<void> {
    this.sent.push(data);
    if (this.answering && data.length === 1 && data[0] === Reply.INIT) this.push(Buffer.from([Reply.ACK]));
  }
  push(data: Buffer): void {
    this.receive(data);
  }
}

/**
 * A stand-in for the link, driven by a list of phases the device asks for in turn; a Start makes the
 * next program announce itself (unsolicited NACK, after `bootLog` if any) unless `silentAfter` says
 * that stage never comes up.
 */
function scriptedLink(phases: (number | Error)[], options: { clock?: Clock; bootLog?: string; silentAfter?: number; startIn?: 'rom' | 'u-boot' } = {}) {
  const wire = new ScriptedWire(options.clock ?? new ManualClock());
  const calls: string[] = [];
  let stage: Stage = options.startIn ?? 'rom';
  let starts = 0;
  const link = {
    transport: wire,
    get: async () => ({ protocolVersion: 0x40, commands: stage === 'u-boot' ? UBOOT_COMMANDS : ROM_COMMANDS }),
    getId: async () => 0x500,
    getPhase: async () => {
      const phase = phases.shift();
      if (phase === undefined) throw new Error('script exhausted');
      if (phase instanceof Error) throw phase;
      calls.push(`phase ${phase.toString(16)}`);
      return { phase, address: 0, info: Buffer.from(phase === 0xff ? 'Download overflow' : '') };
    },
    download: async (op: number, packet: number, data: Uint8Array) => void calls.push(`dl ${op}:${packet}:${data.length}`),
    start: async (address: number) => {
      calls.push(`start ${address.toString(16)}`);
      starts++;
      if (address !== 0xffffffff) return;
      stage = starts === 1 ? 'tf-a' : 'u-boot';
      if (options.silentAfter === starts) {
        wire.answering = false;
        return;
      }
      if (options.bootLog) wire.push(Buffer.from(options.bootLog));
      wire.push(Buffer.from([Reply.NACK]));
    },
  };
  return { link: link as unknown as Link, wire, calls };
}

const { fsbl, fip, layout } = makeBootImages('STM32MP15');

describe('boot phase machine', () => {
  it('answers 0x01, 0x03 then 0x00 with the FSBL, the FIP and the flashlayout, in ≤256-byte packets from 0', async () => {
    const { link, calls } = scriptedLink([0x01, 0x03, 0x00]);
    const events: BootEvent[] = [];
    const result = await bootToUBoot(link, { fsbl, ssbl: fip, flashlayout: layout, onEvent: (e) => events.push(e) });
    expect(result.stages.map((s) => [s.stage, s.phase, s.bytes])).toEqual([
      ['rom', 0x01, 3256],
      ['tf-a', 0x03, 2096],
      ['u-boot', 0x00, layout.length],
    ]);
    const fsblPackets = calls.filter((c) => c.startsWith('dl 0:')).slice(0, 13);
    expect(fsblPackets[0]).toBe('dl 0:0:256');
    expect(fsblPackets[12]).toBe('dl 0:12:184'); // 3256 = 12 × 256 + 184, the last packet not padded
    expect(calls.filter((c) => c.startsWith('start'))).toEqual(['start ffffffff', 'start ffffffff', 'start 0']);
    expect(events.filter((e) => e.type === 'stage-change')).toEqual([
      { type: 'stage-change', from: 'rom', to: 'tf-a' },
      { type: 'stage-change', from: 'tf-a', to: 'u-boot' },
    ]);
  });

  it('does not download or start anything when no flashlayout is given to U-Boot', async () => {
    const { link, calls } = scriptedLink([0x01, 0x03, 0x00]);
    const result = await bootToUBoot(link, { fsbl, ssbl: fip });
    expect(result.stages[2]).toMatchObject({ stage: 'u-boot', bytes: 0 });
    expect(calls.filter((c) => c.startsWith('start'))).toEqual(['start ffffffff', 'start ffffffff']);
  });

  it('leaves a board already in U-Boot alone and reports only the u-boot stage', async () => {
    const { link, calls, wire } = scriptedLink([], { startIn: 'u-boot' });
    const result = await bootToUBoot(link, { fsbl, ssbl: fip, flashlayout: layout });
    expect(result).toEqual({ stages: [{ stage: 'u-boot', phase: 0, bytes: 0, ms: 0 }], alreadyInUBoot: true });
    expect(calls).toEqual([]);
    expect(wire.sent).toEqual([]);
  });

  it('reports the boot log text seen while U-Boot started, before its NACK', async () => {
    const { link } = scriptedLink([0x01, 0x03, 0x00], { bootLog: 'U-Boot 2023.10\r\n' });
    const events: BootEvent[] = [];
    await bootToUBoot(link, { fsbl, ssbl: fip, onEvent: (e) => events.push(e) });
    const stray = events.filter((e): e is Extract<BootEvent, { type: 'stray-bytes' }> => e.type === 'stray-bytes');
    expect(stray.map((e) => [e.stage, e.data.toString()])).toEqual([
      ['tf-a', 'U-Boot 2023.10\r\n'],
      ['u-boot', 'U-Boot 2023.10\r\n'],
    ]);
  });

  it('refuses a phase asked twice, saying the stage did not take its image', async () => {
    const { link } = scriptedLink([0x01, 0x01]);
    const err = await bootToUBoot(link, { fsbl, ssbl: fip }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect(err).toMatchObject({ code: 'PHASE_UNEXPECTED', details: { phase: 0x01, stage: 'rom' } });
    expect((err as Error).message).toMatch(/the ROM code asks for phase 0x01 \(FSBL\) again/);
  });

  it('refuses a phase a serial boot does not answer', async () => {
    const { link, calls } = scriptedLink([0x01, 0x10]);
    const err = await bootToUBoot(link, { fsbl, ssbl: fip }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PHASE_UNEXPECTED', details: { phase: 0x10 } });
    expect(calls.filter((c) => c.startsWith('dl 0:')).length).toBe(13); // only the FSBL went out
  });

  it('turns phase 0xFF into DEVICE_ERROR carrying the device message', async () => {
    const { link } = scriptedLink([0x01, 0xff]);
    const err = await bootToUBoot(link, { fsbl, ssbl: fip }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEVICE_ERROR', details: { message: 'Download overflow', stage: 'tf-a' } });
  });

  it('names TF-A when it answered the sync after the stage change, then stopped answering Get Phase', async () => {
    const noAnswer = new TimeoutError('Get Phase: no answer: waited 1000 ms for 1 byte(s), got 0');
    const { link } = scriptedLink([0x01, noAnswer]);
    const err = await bootToUBoot(link, { fsbl, ssbl: fip }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'TIMEOUT', details: { stage: 'tf-a', receivedHex: '' } });
    expect((err as Error).message).toBe('TF-A stopped answering: Get Phase: no answer: waited 1000 ms for 1 byte(s), got 0');
  });

  it('names U-Boot for a failure after its stage change, and no stage before the first phase is known', async () => {
    const nack = new LinkError('NACK', 'Get Phase: NACK');
    const late = await bootToUBoot(scriptedLink([0x01, 0x03, nack]).link, { fsbl, ssbl: fip }).catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'NACK', message: 'U-Boot: Get Phase: NACK', details: { stage: 'u-boot' } });
    const first = new TimeoutError('Get Phase: no answer');
    const early = await bootToUBoot(scriptedLink([first]).link, { fsbl, ssbl: fip }).catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'TIMEOUT', message: 'Get Phase: no answer' });
    expect((early as LinkError).details.stage).toBeUndefined();
  });

  it('refuses an FSBL built for the other SoC after Get ID, before any packet', async () => {
    const { link, calls } = scriptedLink([0x01]);
    const mp13 = makeBootImages('STM32MP13').fsbl;
    const err = await bootToUBoot(link, { fsbl: mp13, ssbl: fip }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_INVALID', details: { field: 'header version' } });
    expect(calls).toEqual([]);
  });

  it('ends with STAGE_TIMEOUT naming U-Boot when it never answers after TF-A started it', async () => {
    const clock = new ManualClock();
    const { link, wire } = scriptedLink([0x01, 0x03], { clock, silentAfter: 2 });
    const outcome = bootToUBoot(link, { fsbl, ssbl: fip, stageChangeTimeoutMs: 500 }).catch((e: unknown) => e);
    await clock.advance(2000);
    const err = await outcome;
    expect(err).toBeInstanceOf(LinkError);
    expect(err).toMatchObject({ code: 'STAGE_TIMEOUT', details: { stage: 'u-boot', after: 'tf-a', announced: false } });
    expect((err as Error).message).toMatch(/^U-Boot stopped answering after TF-A started it/);
    // It did try to sync the silent stage before giving up.
    expect(wire.sent.filter((b) => b.length === 1 && b[0] === Reply.INIT).length).toBeGreaterThan(1);
  });

  it('ends with STAGE_TIMEOUT naming TF-A when the ROM jumped to a TF-A that never answers', async () => {
    const clock = new ManualClock();
    const { link } = scriptedLink([0x01], { clock, silentAfter: 1 });
    const outcome = bootToUBoot(link, { fsbl, ssbl: fip, stageChangeTimeoutMs: 300 }).catch((e: unknown) => e);
    await clock.advance(2000);
    expect(await outcome).toMatchObject({ code: 'STAGE_TIMEOUT', details: { stage: 'tf-a', after: 'rom' } });
  });
});
