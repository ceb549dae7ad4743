import { writeFile } from 'node:fs/promises';
import { startRecording } from '../capture/recorder.js';
import { EmulatedBoard, type EmulatedBoardOptions } from '../emulator/board.js';
import { InputError } from '../errors.js';
import { Link } from '../link/link.js';
import { applyResetSequence, parseResetSequence } from '../transport/reset-lines.js';
import { SerialTransport } from '../transport/serial.js';
import { DEFAULT_SERIAL_SETTINGS, type SerialSettings, type Transport } from '../transport/transport.js';
import { silentLogger, type Logger } from '../util/logger.js';

export interface OpenBoardOptions {
  /** Device path | 'emulator' | 'emulator:N' | 'replay:FILE.jsonl'; undefined → $STM32MP_PORT → the in-process emulator. */
  port?: string;
  serial?: Partial<SerialSettings>;
  syncTimeoutMs?: number;
  /** Capture file to write (JSON Lines, src/capture/format.ts). */
  record?: string;
  /** DTR/RTS sequence (src/transport/reset-lines.ts). */
  reset?: string;
  logger?: Logger;
  emulator?: EmulatedBoardOptions & { saveFusesTo?: string };
  /** Default true: sync after open. */
  sync?: boolean;
}

export interface BoardSession {
  link: Link;
  transport: Transport;
  kind: 'serial' | 'emulator' | 'replay';
  portName: string;
  board?: EmulatedBoard;
  close(): Promise<void>;
}

/** The port a session will use: the option, else $STM32MP_PORT, else the emulated board. */
export function resolvePortName(port: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return port ?? (env.STM32MP_PORT || undefined) ?? 'emulator';
}

/**
 * Opens the board the user named, starts recording if asked (before the port opens, so the capture
 * holds a stage's unsolicited NACK, the reset and the sync), plays the reset sequence, and syncs. On any failure everything
 * already opened is closed again.
 */
export async function openBoard(options: OpenBoardOptions = {}): Promise<BoardSession> {
  const logger = options.logger ?? silentLogger;
  const portName = resolvePortName(options.port);
  const resetSteps = parseResetSequence(options.reset ?? 'none'); // input errors before opening anything
  // --log-level trace: every frame on the wire, decoded (src/capture/trace.ts). Loaded only then, and
  // before the port exists, so the tap goes on with nothing awaited in between (the first NACK).
  const trace = logger.isLevelEnabled('trace') ? await import('../capture/trace.js') : undefined;
  let kind: BoardSession['kind'];
  let transport: Transport;
  let board: EmulatedBoard | undefined;
  // 'emulator:N' names one of several independent in-process boards (provision --port emulator:1 ...).
  if (portName === 'emulator' || /^emulator:\d+$/.test(portName)) {
    kind = 'emulator';
    const { saveFusesTo: _save, ...boardOptions } = options.emulator ?? {};
    board = new EmulatedBoard(boardOptions);
    transport = board.connect();
  } else if (portName.startsWith('replay:')) {
    kind = 'replay';
    const file = portName.slice('replay:'.length);
    if (!file) throw new InputError('USAGE', '--port replay: needs a capture file, e.g. --port replay:captures/session.jsonl');
    // Loaded on demand: only replay sessions need the capture reader.
    const { openReplayTransport } = await import('../capture/replay-transport.js');
    transport = await openReplayTransport(file);
  } else {
    kind = 'serial';
    transport = new SerialTransport(portName, { ...DEFAULT_SERIAL_SETTINGS, ...options.serial });
  }

  let recorder: { stop(): Promise<void> } | undefined;
  let stopTrace: (() => void) | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await transport.close();
      const saveTo = options.emulator?.saveFusesTo;
      if (board && saveTo) await writeFile(saveTo, board.savedFuses());
      board?.close();
    } finally {
      stopTrace?.();
      await recorder?.stop();
    }
  };

  try {
    if (trace) stopTrace = trace.traceWithDecoder(transport, logger);
    if (options.record) recorder = startRecording(transport, options.record, portName);
    // The replay transport comes open; opening the emulator's powers the board on (recorded from here).
    if (kind !== 'replay') await transport.open();
    const link = new Link(transport, { logger, ...(options.syncTimeoutMs === undefined ? {} : { syncTimeoutMs: options.syncTimeoutMs }) });
    if (resetSteps.length > 0) {
      logger.debug({ reset: options.reset }, 'playing the reset sequence');
      await applyResetSequence(transport, resetSteps);
    }
    if (options.sync ?? true) await link.sync('open');
    logger.debug({ port: portName, kind }, 'board open');
    return { link, transport, kind, portName, ...(board ? { board } : {}), close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
