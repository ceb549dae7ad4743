import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { EmulatedBoard } from '../../index.js';
import { FAULT_PLAN_HELP, parseFaultPlan } from '../../index.js';
import { servePty } from '../../index.js';
import { InputError } from '../../index.js';
import { action } from '../run.js';
import type { GlobalArgs } from '../global-options.js';

export interface EmulateArgs extends GlobalArgs {
  'boot-log': boolean;
  wire: boolean;
  latency: number;
}

function readFuses(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError('FILE', `--fuses: cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function interrupted(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export const emulateCommand: CommandModule<GlobalArgs, EmulateArgs> = {
  command: 'emulate',
  describe: 'Serve an emulated STM32MP1 board on a pseudo-terminal until interrupted',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('boot-log', { type: 'boolean', default: false, describe: "Print U-Boot's boot log before the loop's unsolicited NACK" })
      .option('wire', { type: 'boolean', default: false, describe: 'Deliver bytes at wire speed (11 bits per byte at --baud) instead of at once' })
      .option('latency', { type: 'number', default: 1, describe: 'With --wire: milliseconds added at each change of direction (USB adapter turnaround)' })
      .example('$0 emulate', 'Serve a DK2 in U-Boot; the first line of output is the port, e.g. /dev/pts/5')
      .example('$0 emulate --stage rom --soc mp13 --json', 'An STM32MP13 waiting in the ROM code; prints {"port":"/dev/pts/N"}')
      .example('$0 emulate --fuses dump.bin --save-fuses dump.bin', 'Continue a session: start from saved fuses, save them at exit')
      .example('$0 emulate --faults nack-cmd:3,drop-rx:120,stall:2:500', 'Inject faults (see below)')
      .epilogue(
        `The first line of stdout is the pseudo-terminal's path (with --json: {"port":"..."}); open it at 115200 8E1 with any serial tool. Stop with Ctrl-C (SIGINT) or SIGTERM.\n\n${FAULT_PLAN_HELP}`,
      ) as Argv<EmulateArgs>,
  handler: action<EmulateArgs>(async (args, ctx) => {
    if (args.latency < 0 || !Number.isFinite(args.latency)) throw new InputError('USAGE', '--latency must be a number of milliseconds ≥ 0');
    const soc = args.soc === 'mp13' ? 'STM32MP13' : 'STM32MP15';
    const board = new EmulatedBoard({
      soc,
      stage: args.stage,
      firmware: args.firmware,
      bootLog: args['boot-log'],
      ...(args.fuses ? { fuses: readFuses(args.fuses) } : {}),
      ...(args.faults ? { faults: parseFaultPlan(args.faults) } : {}),
      ...(args.wire ? { wire: { baud: args.baud, latencyMs: args.latency } } : {}),
    });
    const server = servePty(board);
    ctx.out(args.json ? JSON.stringify({ port: server.path }) : server.path);
    ctx.note(`emulated ${soc} board (${args.stage}, ${args.firmware}) on ${server.path}; stop with Ctrl-C`);
    const signal = await interrupted();
    ctx.logger.debug({ signal, events: board.log.length }, 'emulate: stopping');
    server.close();
    board.close();
    if (args['save-fuses']) {
      writeFileSync(args['save-fuses'], board.savedFuses());
      ctx.note(`fuses saved to ${args['save-fuses']}`);
    }
    return 0;
  }),
};
