import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkFipHeader } from '../boot/fip.js';
import { parseFlashlayout, serialBootRows } from '../boot/flashlayout.js';
import { parseStm32Image, type Stm32ImageInfo } from '../boot/stm32-image.js';
import { InputError, LinkError, TimeoutError } from '../errors.js';
import type { Link } from '../link/link.js';
import { DEFAULT_SYNC_TIMING, syncTransport } from '../link/sync.js';
import { Command, Phase, phaseName, Reply, type SocFamily, type Stage } from '../protocol/constants.js';
import { Deadline } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { identifySoc } from './otp-read.js';
import { downloadBuffer } from './transfer.js';

/**
 * The serial boot chain (serial-boot.md): ROM code → TF-A → U-Boot stm32prog, over one UART. The host
 * answers whatever phase the device asks for, so a board left in TF-A by an interrupted boot carries on
 * from there.
 */

export interface BootStageResult {
  stage: Stage;
  phase: number;
  /** Bytes downloaded to that stage (the FSBL, the FIP, the flashlayout). */
  bytes: number;
  /** From the first byte to that stage (including waiting for it to start) to its last answer. */
  ms: number;
}

export interface BootResult {
  /** In the order the stages answered; the last one is always u-boot. */
  stages: BootStageResult[];
  /** The board was already in U-Boot's loop: nothing was sent. */
  alreadyInUBoot: boolean;
}

export type BootEvent =
  | { type: 'stage'; stage: Stage; phase: number; address: number }
  | { type: 'download-start'; stage: Stage; phase: number; name: string; total: number }
  | { type: 'progress'; stage: Stage; phase: number; name: string; sent: number; total: number }
  | { type: 'download-done'; stage: Stage; phase: number; name: string; bytes: number }
  | { type: 'stage-change'; from: Stage; to: Stage }
  | { type: 'stray-bytes'; stage: Stage; data: Buffer }
  | { type: 'stage-done'; result: BootStageResult };

export interface PreparedBoot {
  fsbl: Buffer;
  ssbl: Buffer;
  /** The TSV itself, downloaded to U-Boot's phase 0x00 when given. */
  flashlayout?: Buffer;
  /** File names for progress and errors. */
  files: { fsbl: string; ssbl: string; flashlayout?: string };
  fsblInfo: Stm32ImageInfo;
}

export interface BootOptions {
  fsbl: Buffer;
  ssbl: Buffer;
  flashlayout?: Buffer;
  /** When known; otherwise Get ID tells it. */
  soc?: SocFamily;
  names?: { fsbl?: string; ssbl?: string; flashlayout?: string };
  /** Wait for the next program after a Start (its unsolicited NACK), then for its answer to a sync. */
  stageChangeTimeoutMs?: number;
  onEvent?: (e: BootEvent) => void;
  logger?: Logger;
}

/**
 * TF-A initialises the DDR before it asks for the FIP, and OP-TEE runs before U-Boot: a few seconds
 * on a real board (the ROM → TF-A switch is much faster).
 */
export const DEFAULT_STAGE_CHANGE_TIMEOUT_MS = 10_000;

/** Sync attempts after a stage change whose NACK never came (it may have been lost). */
const SYNC_AFTER_SILENCE_MS = 1000;

/** Start with this address ends a download in the ROM and in TF-A (serial-boot.md). */
const START_DOWNLOADED = 0xffffffff;

const STAGE_FOR_PHASE: Readonly<Record<number, Stage>> = { [Phase.FSBL]: 'rom', [Phase.SSBL]: 'tf-a', [Phase.FLASHLAYOUT]: 'u-boot' };
const STAGE_TITLE: Record<Stage, string> = { rom: 'the ROM code', 'tf-a': 'TF-A', 'u-boot': 'U-Boot' };
const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

async function readInput(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? String(err)})`;
    throw new InputError('FILE', `${what} ${file} ${why}`, { cause: err, details: { file } });
  }
}

/**
 * Reads and checks every file a boot needs — flashlayout rows, STM32 header of the FSBL, FIP ToC of
 * the SSBL — before any byte is sent (InputError LAYOUT_INVALID / FILE / IMAGE_INVALID).
 */
export async function prepareBoot(source: { layoutPath: string } | { fsblPath: string; ssblPath: string }, soc?: SocFamily): Promise<PreparedBoot> {
  let fsblPath: string;
  let ssblPath: string;
  let flashlayout: Buffer | undefined;
  let what = { fsbl: 'FSBL', ssbl: 'SSBL (FIP)' };
  if ('layoutPath' in source) {
    flashlayout = await readInput(source.layoutPath, 'flashlayout');
    const rows = serialBootRows(parseFlashlayout(flashlayout.toString('utf8'), source.layoutPath));
    fsblPath = rows.fsbl.binaryPath;
    ssblPath = rows.ssbl.binaryPath;
    what = { fsbl: `${source.layoutPath}:${rows.fsbl.line}: FSBL`, ssbl: `${source.layoutPath}:${rows.ssbl.line}: SSBL (FIP)` };
  } else {
    fsblPath = source.fsblPath;
    ssblPath = source.ssblPath;
  }
  const fsbl = await readInput(fsblPath, what.fsbl);
  const ssbl = await readInput(ssblPath, what.ssbl);
  const fsblInfo = parseStm32Image(fsbl, { file: fsblPath, soc });
  checkFipHeader(ssbl, ssblPath);
  const files = { fsbl: path.basename(fsblPath), ssbl: path.basename(ssblPath), ...('layoutPath' in source ? { flashlayout: path.basename(source.layoutPath) } : {}) };
  return { fsbl, ssbl, ...(flashlayout ? { flashlayout } : {}), files, fsblInfo };
}

/**
 * Brings a board from its ROM code (or from TF-A) to U-Boot's stm32prog loop, ready for the OTP (0xF2)
 * and PMIC (0xF4) partitions: sync, Get ID, then answer each phase the device asks for. A board
 * already in U-Boot (Get lists Read Partition) is left alone.
 * Errors: LinkError PHASE_UNEXPECTED (unknown phase, or one asked twice), STAGE_TIMEOUT (the next
 * program never answered), DEVICE_ERROR (phase 0xFF with the device's message); InputError
 * IMAGE_INVALID when the FSBL is built for another SoC than the board's (nothing sent). Any other
 * link failure once the stage is known keeps its class and code and names the stage (message and
 * `details.stage`), e.g. "TF-A stopped answering: Get Phase: no answer ...".
 */
export async function bootToUBoot(link: Link, options: BootOptions): Promise<BootResult> {
  const clock = link.transport.clock;
  const emit = options.onEvent ?? ((): void => {});
  const log = options.logger ?? silentLogger;
  const names = { fsbl: options.names?.fsbl ?? 'FSBL', ssbl: options.names?.ssbl ?? 'FIP', flashlayout: options.names?.flashlayout ?? 'flashlayout' };
  const stageChangeMs = options.stageChangeTimeoutMs ?? DEFAULT_STAGE_CHANGE_TIMEOUT_MS;
  const stages: BootStageResult[] = [];
  let stageStartMs = clock.now();

  // The session is synced when opened (openBoard); the link re-syncs by itself after a failure.
  const get = await link.get();
  if (get.commands.includes(Command.READ_PARTITION)) {
    // Already in U-Boot: Get Phase is not asked, because in phase 0xFF it resets the board.
    const result: BootStageResult = { stage: 'u-boot', phase: Phase.FLASHLAYOUT, bytes: 0, ms: 0 };
    emit({ type: 'stage-done', result });
    return { stages: [result], alreadyInUBoot: true };
  }
  const soc = options.soc ?? (await identifySoc(link));
  // The header version must match the board's ROM: checked before the first packet.
  parseStm32Image(options.fsbl, { file: names.fsbl, soc });

  const asked = new Set<number>();
  // The program that is answering, once known (from its phase, or because the previous one started it).
  let current: Stage | undefined;
  for (;;) {
    try {
      const done = await bootStep();
      if (done) return done;
    } catch (err) {
      throw inStage(err, current);
    }
  }

  /** One phase: Get Phase, then its download and Start; the result once U-Boot's loop is reached. */
  async function bootStep(): Promise<BootResult | undefined> {
    const { phase, address, info } = await link.getPhase();
    const stage = STAGE_FOR_PHASE[phase];
    log.debug({ step: 'boot', phase: hex2(phase), address }, `the board asks for phase ${hex2(phase)} (${phaseName(phase)})`);
    if (phase === Phase.RESET) {
      throw new LinkError('DEVICE_ERROR', `the board reported an error (phase 0xff): "${info.toString('latin1')}"; it resets now`, { details: { phase, message: info.toString('latin1') } });
    }
    if (stage === undefined) {
      throw new LinkError('PHASE_UNEXPECTED', `the board asks for phase ${hex2(phase)} (${phaseName(phase)}); a serial boot answers only 0x01 (FSBL), 0x03 (FIP) and 0x00 (flashlayout)`, {
        details: { phase },
      });
    }
    if (asked.has(phase)) {
      throw new LinkError('PHASE_UNEXPECTED', `${STAGE_TITLE[stage]} asks for phase ${hex2(phase)} (${phaseName(phase)}) again: it did not take the image it was sent`, {
        details: { phase, stage },
      });
    }
    asked.add(phase);
    // Phase 0x00 is U-Boot's only once Get says so (below).
    if (phase !== Phase.FLASHLAYOUT) current = stage;
    emit({ type: 'stage', stage, phase, address });

    if (phase === Phase.FLASHLAYOUT) {
      // U-Boot's loop: Get lists Read Partition once stm32prog runs (an5275-uart.md "Get").
      const uboot = await link.get();
      if (!uboot.commands.includes(Command.READ_PARTITION)) {
        throw new LinkError('PHASE_UNEXPECTED', 'the board asks for phase 0x00 but does not list Read Partition (0x12): not U-Boot stm32prog', { details: { phase } });
      }
      current = stage;
      let bytes = 0;
      if (options.flashlayout) {
        await sendImage(link, stage, phase, names.flashlayout, options.flashlayout, emit);
        await link.start(Phase.FLASHLAYOUT); // "finish the current partition": U-Boot parses the layout
        bytes = options.flashlayout.length;
      }
      const result: BootStageResult = { stage, phase, bytes, ms: Math.round(clock.now() - stageStartMs) };
      stages.push(result);
      emit({ type: 'stage-done', result });
      return { stages, alreadyInUBoot: false };
    }

    const image = phase === Phase.FSBL ? options.fsbl : options.ssbl;
    await sendImage(link, stage, phase, phase === Phase.FSBL ? names.fsbl : names.ssbl, image, emit);
    await link.start(START_DOWNLOADED);
    const result: BootStageResult = { stage, phase, bytes: image.length, ms: Math.round(clock.now() - stageStartMs) };
    stages.push(result);
    emit({ type: 'stage-done', result });
    stageStartMs = clock.now();
    const next: Stage = stage === 'rom' ? 'tf-a' : 'u-boot';
    emit({ type: 'stage-change', from: stage, to: next });
    await awaitStageChange(link, stage, next, stageChangeMs, emit);
    current = next;
    return undefined;
  }
}

/** Codes that mean the program went quiet, rather than answered something wrong. */
const SILENCE_CODES: ReadonlySet<string> = new Set(['TIMEOUT', 'SYNC_FAILED']);

/**
 * Names the stage a link failure happened in (a timeout on TF-A's Get Phase must say TF-A): the same
 * error, class and code kept, with the stage in its message and `details.stage`. Errors that already
 * name their stage (STAGE_TIMEOUT, PHASE_UNEXPECTED) and non-link errors pass as they are.
 */
function inStage(err: unknown, stage: Stage | undefined): unknown {
  if (stage === undefined || !(err instanceof LinkError) || err.details.stage !== undefined) return err;
  err.message = SILENCE_CODES.has(err.code) ? `${STAGE_TITLE[stage]} stopped answering: ${err.message}` : `${STAGE_TITLE[stage]}: ${err.message}`;
  err.details.stage = stage;
  return err;
}

async function sendImage(link: Link, stage: Stage, phase: number, name: string, data: Buffer, emit: (e: BootEvent) => void): Promise<void> {
  emit({ type: 'download-start', stage, phase, name, total: data.length });
  // OP 0x00: "write in the current phase" in every stage (serial-boot.md stage 1, TF-A ignores it).
  await downloadBuffer(link, 0x00, data, (p) => emit({ type: 'progress', stage, phase, name, sent: p.sent, total: p.total }));
  emit({ type: 'download-done', stage, phase, name, bytes: data.length });
}

/**
 * After a Start the next program takes over the UART: what arrives is silence, maybe boot-log text,
 * and its one unsolicited NACK (serial-boot.md stages 2-3). Wait for that NACK (stray bytes before it
 * are reported), drain, then sync within the same budget. Silence until the deadline is not yet a
 * failure — the NACK may have been lost — but no answer to the sync is. The sync is the transport's
 * (src/link/sync.ts) rather than the link's, whose timeout is the session's --timeout.
 */
async function awaitStageChange(link: Link, from: Stage, to: Stage, timeoutMs: number, emit: (e: BootEvent) => void): Promise<void> {
  const transport = link.transport;
  const deadline = Deadline.after(transport.clock, timeoutMs);
  const stray: number[] = [];
  let announced = false;
  while (!announced) {
    let byte: Buffer;
    try {
      byte = await transport.read(1, deadline, `${STAGE_TITLE[to]}'s unsolicited NACK`);
    } catch (err) {
      if (err instanceof TimeoutError) break;
      throw err;
    }
    if (byte[0] === Reply.NACK) announced = true;
    else stray.push(byte[0]!);
  }
  const late = transport.drain();
  if (stray.length > 0 || late.length > 0) emit({ type: 'stray-bytes', stage: to, data: Buffer.concat([Buffer.from(stray), late]) });
  // The sync gets what is left of the budget, but at least a few attempts when the NACK never came.
  const syncMs = Math.max(deadline.remainingMs(), Math.min(timeoutMs, SYNC_AFTER_SILENCE_MS));
  try {
    await syncTransport(transport, { ...DEFAULT_SYNC_TIMING, timeoutMs: syncMs });
  } catch (err) {
    if (err instanceof LinkError && (err.code === 'TIMEOUT' || err.code === 'SYNC_FAILED')) {
      const seen = announced ? 'it announced itself (NACK) but' : `no unsolicited NACK within ${timeoutMs} ms and it`;
      throw new LinkError('STAGE_TIMEOUT', `${STAGE_TITLE[to]} stopped answering after ${STAGE_TITLE[from]} started it: ${seen} did not answer the sync (0x7F)`, {
        cause: err,
        details: { stage: to, after: from, announced },
      });
    }
    throw err;
  }
}

/**
 * For commands that take `--boot FlashLayout.tsv` (OTP, PMIC): boot the board first when a layout is
 * given; the files are checked before anything is sent. Returns undefined when there is nothing to do.
 */
export async function bootIfRequested(
  session: { link: Link },
  layoutPath: string | undefined,
  events?: (e: BootEvent) => void,
  options: Pick<BootOptions, 'soc' | 'stageChangeTimeoutMs' | 'logger'> = {},
): Promise<BootResult | undefined> {
  if (layoutPath === undefined) return undefined;
  const prepared = await prepareBoot({ layoutPath }, options.soc);
  return bootToUBoot(session.link, { ...prepared, names: prepared.files, ...options, ...(events ? { onEvent: events } : {}) });
}
