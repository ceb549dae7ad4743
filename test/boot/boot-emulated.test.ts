import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildStm32Image } from '../../src/boot/stm32-image.js';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import type { LinkEvent } from '../../src/link/events.js';
import { bootIfRequested, bootToUBoot, prepareBoot, type BootEvent } from '../../src/operations/boot.js';
import { EmulatedBoard, type EmulatedBoardOptions } from '../../src/emulator/board.js';
import { Link } from '../../src/link/link.js';
import type { Transport } from '../../src/transport/transport.js';
import { Phase } from '../../src/protocol/constants.js';
import { writeBootFiles, type BootFiles } from './boot-files.js';

const DK2_OTP = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));

interface Session {
  board: EmulatedBoard;
  transport: Transport;
  link: Link;
  close(): Promise<void>;
}

let dir: string;
let session: Session | undefined;

/** An in-process emulated board and a link on it, as openBoard makes for `--port emulator`. */
async function emulated(options: EmulatedBoardOptions, sync = true): Promise<Session> {
  const board = new EmulatedBoard(options);
  const transport = board.connect();
  await transport.open();
  const link = new Link(transport, { syncTimeoutMs: 2000 });
  if (sync) await link.sync('open');
  session = {
    board,
    transport,
    link,
    close: async () => {
      await transport.close();
      board.close();
    },
  };
  return session;
}

function files(): BootFiles {
  dir = mkdtempSync(path.join(tmpdir(), 'boot-emulated-'));
  return writeBootFiles(dir);
}

function romBoard(faults?: string, sync = true): Promise<Session> {
  return emulated({ soc: 'STM32MP15', stage: 'rom', ...(faults ? { faults: parseFaultPlan(faults) } : {}) }, sync);
}

afterEach(async () => {
  await session?.close();
  session = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serial boot against the emulated board', () => {
  it('boots from the ROM code to U-Boot with a flashlayout, then reads the OTP on the same session', async () => {
    const f = files();
    const s = await romBoard();
    const prepared = await prepareBoot({ layoutPath: f.layoutPath });
    const events: BootEvent[] = [];
    const result = await bootToUBoot(s.link, { ...prepared, names: prepared.files, onEvent: (e) => events.push(e) });

    expect(result.alreadyInUBoot).toBe(false);
    expect(result.stages.map((x) => [x.stage, x.phase, x.bytes])).toEqual([
      ['rom', 0x01, f.fsbl.length],
      ['tf-a', 0x03, f.fip.length],
      ['u-boot', 0x00, f.layout.length],
    ]);
    expect(s.board.stage).toBe('u-boot');
    // What each stage received is exactly the file, header included, nothing padded.
    expect(s.board.flash.get(Phase.FSBL)?.equals(f.fsbl)).toBe(true);
    expect(s.board.flash.get(Phase.SSBL)?.equals(f.fip)).toBe(true);
    expect(s.board.flash.get(Phase.FLASHLAYOUT)?.equals(f.layout)).toBe(true);
    const progress = events.filter((e): e is Extract<BootEvent, { type: 'progress' }> => e.type === 'progress' && e.name === 'tf-a-emulated.stm32');
    expect(progress.at(-1)).toMatchObject({ sent: f.fsbl.length, total: f.fsbl.length });

    const otp = await s.link.readPartition(Phase.OTP, 0, 256);
    expect(otp.equals(DK2_OTP.subarray(0, 256))).toBe(true);
  });

  it('boots with --fsbl/--ssbl files and no flashlayout: U-Boot gets nothing in phase 0x00', async () => {
    const f = files();
    const s = await romBoard();
    const prepared = await prepareBoot({ fsblPath: f.fsblPath, ssblPath: f.fipPath });
    const result = await bootToUBoot(s.link, prepared);
    expect(result.stages.map((x) => x.stage)).toEqual(['rom', 'tf-a', 'u-boot']);
    expect(result.stages[2]!.bytes).toBe(0);
    expect(s.board.flash.has(Phase.FLASHLAYOUT)).toBe(false);
  });

  it('re-sends a Download packet the ROM NACKed for a corrupted byte, and the FSBL arrives intact', async () => {
    const f = files();
    // A dry run finds where packet 1 of the FSBL starts on the wire; the real run corrupts a byte in it.
    const dry = await romBoard();
    const writes: Buffer[] = [];
    dry.transport.tap((dir, data) => dir === 'tx' && writes.push(Buffer.from(data)));
    await bootToUBoot(dry.link, await prepareBoot({ layoutPath: f.layoutPath }));
    const packets = writes.map((w, i) => ({ i, w })).filter(({ w }) => w.length === 258); // N-1 + 256 data + X
    const before = 1 + writes.slice(0, packets[1]!.i).reduce((n, w) => n + w.length, 0); // + openBoard's 0x7F
    await dry.close();

    const s = await romBoard(`corrupt-rx:${before + 20}:0x01`);
    const retries: LinkEvent[] = [];
    s.link.onEvent((e) => e.type === 'retry' && retries.push(e));
    const result = await bootToUBoot(s.link, await prepareBoot({ layoutPath: f.layoutPath }));
    expect(retries).toEqual([{ type: 'retry', command: 'Download', attempt: 1, reason: 'NACK' }]);
    expect(result.stages.map((x) => x.stage)).toEqual(['rom', 'tf-a', 'u-boot']);
    expect(s.board.flash.get(Phase.FSBL)?.equals(f.fsbl)).toBe(true);
    expect(s.board.log.some((e) => e.kind === 'fault')).toBe(true);
  });

  it('ends with STAGE_TIMEOUT naming U-Boot when the emulated U-Boot never answers after TF-A started it', async () => {
    const f = files();
    const s = await romBoard('silent-stage:u-boot');
    const err = await bootToUBoot(s.link, { ...(await prepareBoot({ layoutPath: f.layoutPath })), stageChangeTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STAGE_TIMEOUT', details: { stage: 'u-boot', after: 'tf-a', announced: false } });
    expect((err as Error).message).toMatch(/^U-Boot stopped answering after TF-A started it: no unsolicited NACK within 300 ms/);
    expect(s.board.flash.get(Phase.SSBL)?.equals(f.fip)).toBe(true); // TF-A did take the FIP
    expect(s.board.stage).toBe('u-boot');
  });

  it('leaves a board already in U-Boot alone', async () => {
    const f = files();
    const s = await emulated({ stage: 'u-boot' });
    const result = await bootIfRequested(s, f.layoutPath);
    expect(result).toEqual({ stages: [{ stage: 'u-boot', phase: 0, bytes: 0, ms: 0 }], alreadyInUBoot: true });
    expect(s.board.received.includes(Buffer.from([0x31, 0xce]))).toBe(false); // no Download
  });

  it('does nothing at all when no layout is asked for', async () => {
    const s = await romBoard(undefined, false);
    expect(await bootIfRequested(s, undefined)).toBeUndefined();
    expect(s.board.received.length).toBe(0);
  });

  describe('refuses bad input before a single byte is sent', () => {
    const refused = async (prepare: (f: BootFiles) => void, code: string, message: RegExp): Promise<void> => {
      const f = files();
      prepare(f);
      const s = await romBoard(undefined, false);
      const err = await bootIfRequested(s, f.layoutPath).catch((e: unknown) => e);
      expect(err).toMatchObject({ code });
      expect((err as Error).message).toMatch(message);
      expect(s.board.received.length).toBe(0);
    };

    it('a bad STM32 header checksum', () =>
      refused(
        (f) => {
          const bad = Buffer.from(f.fsbl);
          bad[bad.length - 1] ^= 0xff;
          writeFileSync(f.fsblPath, bad);
        },
        'IMAGE_INVALID',
        /tf-a-emulated\.stm32: checksum \(0x44\): header says/,
      ));

    it('an STM32MP13 image for the STM32MP15 path is still a valid image: refused only later, by Get ID', async () => {
      const f = files();
      writeFileSync(f.fsblPath, buildStm32Image({ soc: 'STM32MP13', payload: Buffer.alloc(100, 1) }));
      const s = await romBoard();
      const err = await bootIfRequested(s, f.layoutPath).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IMAGE_INVALID', details: { field: 'header version' } });
      expect(s.board.received.includes(Buffer.from([0x31, 0xce]))).toBe(false); // no Download
    });

    it('a missing binary named by the layout', () =>
      refused((f) => rmSync(f.fipPath), 'FILE', /FlashLayout\.tsv:3: SSBL \(FIP\) .*fip-emulated\.bin not found/));

    it('a malformed TSV row', () =>
      refused(
        (f) => writeFileSync(f.layoutPath, `${f.layout.toString()}P\t0x10\tbootfs\tSystem\tmmc0\n`),
        'LAYOUT_INVALID',
        /FlashLayout\.tsv:4: 5 column\(s\)/,
      ));
  });
});
