import { readFileSync } from 'node:fs';
import { parseFaultPlan } from '../index.js';
import { InputError } from '../index.js';
import { bootToUBoot, prepareBoot } from '../index.js';
import { bootEventRenderer } from './progress.js';
import { openBoard, resolvePortName, type BoardSession, type OpenBoardOptions } from '../index.js';
import type { CliContext } from './context.js';
import type { GlobalArgs } from './global-options.js';

/** The note board commands print (stderr) when no port was named anywhere. */
export const EMULATED_BOARD_NOTE = 'using the emulated board (no --port given)';

/**
 * Global options → OpenBoardOptions. The emulator options (--soc, --stage, --fuses, --faults,
 * --save-fuses, --firmware) are read only when the session will use the emulated board, so a typo in
 * them cannot stop a real-board session. Says on stderr when the emulated board is used implicitly.
 */
export function boardOptionsFromArgs(args: GlobalArgs, ctx: CliContext): OpenBoardOptions {
  const port = resolvePortName(args.port);
  const options: OpenBoardOptions = {
    port,
    serial: { baudRate: args.baud, parity: args.parity },
    syncTimeoutMs: args.timeout,
    reset: args.reset,
    logger: ctx.logger,
    ...(args.record ? { record: args.record } : {}),
  };
  if (port !== 'emulator') return options;
  if (args.port === undefined && !process.env.STM32MP_PORT) ctx.note(EMULATED_BOARD_NOTE);
  options.emulator = {
    soc: args.soc === 'mp13' ? 'STM32MP13' : 'STM32MP15',
    stage: args.stage,
    firmware: args.firmware,
    ...(args.fuses ? { fuses: readFuses(args.fuses) } : {}),
    ...(args.faults ? { faults: parseFaultPlan(args.faults) } : {}),
    ...(args['save-fuses'] ? { saveFusesTo: args['save-fuses'] } : {}),
  };
  return options;
}

function readFuses(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError('FILE', `--fuses: cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  }
}

/** Opens the board, runs `fn`, and always closes it (recording flushed, fuses saved if asked). */
export async function withBoard<T>(args: GlobalArgs, ctx: CliContext, fn: (session: BoardSession) => Promise<T>): Promise<T> {
  // --boot: every file is read and checked before the port is even opened.
  const boot = args.boot ? await prepareBoot({ layoutPath: args.boot }) : undefined;
  const options = boardOptionsFromArgs(args, ctx);
  // A blank emulated board starts at its ROM code when asked to boot.
  if (boot && options.emulator) options.emulator.stage = 'rom';
  const session = await openBoard(options);
  let result: T;
  try {
    if (boot) await bootToUBoot(session.link, { ...boot, onEvent: bootEventRenderer(ctx), logger: ctx.logger });
    result = await fn(session);
  } catch (err) {
    await session.close().catch((closeErr) => ctx.logger.debug({ err: closeErr }, 'close after failure failed'));
    throw err;
  }
  await session.close();
  return result;
}
