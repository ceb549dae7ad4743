import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import {
  DEFAULT_AUDIT_LOG,
  emulatedBoardFuses,
  emulatorIndex,
  InputError,
  loadProvisionPlan,
  parseFaultPlan,
  provision,
  resolvePortName,
  type BoardPlan,
  type ProvisionTarget,
} from '../../index.js';
import { askToBurn } from '../confirm.js';
import type { CliContext } from '../context.js';
import type { GlobalArgs } from '../global-options.js';
import { withWriteSafetyOptions, type WriteSafetyArgs } from '../otp-write-runner.js';
import { createProvisionTable } from '../render/provision-table.js';
import { boardResultJson, renderBoardPlan, renderBoardResult, renderProvisionSummary } from '../render/provision-text.js';
import { action } from '../run.js';

interface ProvisionArgs extends GlobalArgs, WriteSafetyArgs {
  plan: string;
  boot?: string;
  'board-faults'?: string[];
}

/**
 * Every --port given (yargs makes an array of a repeated option), named as the run will name it: a
 * bare `emulator` is `emulator:N`, N its position among the emulated ports; a path is normalised.
 * The same board twice (`emulator` and `emulator:1`, `/dev/ttyUSB0` and `/dev//ttyUSB0`) and an
 * empty name are refused before anything is opened.
 */
function portsOf(args: GlobalArgs): string[] {
  const given = ([] as unknown[]).concat(args.port ?? []).map(String);
  const raw = given.length ? given : [resolvePortName(undefined)];
  let emulated = 0;
  const ports = raw.map((p) => {
    if (p.trim() === '') throw new InputError('USAGE', '--port is empty: name a serial port (e.g. /dev/ttyUSB0) or emulator:N');
    const index = emulatorIndex(p, emulated + 1);
    if (index !== undefined) {
      emulated++;
      return `emulator:${index}`;
    }
    return p.startsWith('/') ? posix.normalize(p) : p;
  });
  const seen = new Map<string, string>();
  raw.forEach((p, i) => {
    const name = ports[i]!;
    const other = seen.get(name);
    if (other !== undefined) throw new InputError('USAGE', `--port ${p} names the same board as --port ${other} (${name}): each board needs its own port`, { details: { port: name } });
    seen.set(name, p);
  });
  return ports;
}

/** A capture file per board when several are recorded: run.jsonl → run.2.jsonl for the second port. */
function recordPath(base: string, index: number, count: number): string {
  if (count === 1) return base;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? `${base.slice(0, dot)}.${index + 1}${base.slice(dot)}` : `${base}.${index + 1}`;
}

/** --board-faults N=FAULTS (repeatable): the fault plan of emulator:N, after the --faults of every board. */
function boardFaultsOf(args: ProvisionArgs, ports: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const item of ([] as unknown[]).concat(args['board-faults'] ?? []).map(String)) {
    const m = /^(\d+)=(.+)$/.exec(item.trim());
    if (!m) throw new InputError('USAGE', `--board-faults ${item}: write N=FAULTS, e.g. 2=abort-cmd:14 for emulator:2`);
    const n = Number(m[1]);
    if (!ports.includes(`emulator:${n}`)) throw new InputError('USAGE', `--board-faults ${item}: emulator:${n} is not one of the ports (${ports.join(', ')})`);
    parseFaultPlan(m[2]!); // refused now (exit 2), not when the board opens
    out.set(n, out.has(n) ? `${out.get(n)},${m[2]}` : m[2]!);
  }
  return out;
}

/**
 * --port values → targets. Emulated ports (`emulator`, `emulator:N`) are independent in-process
 * boards; each gets its own UID (word 15 + N) and, without --fuses, a blank MAC (emulated-fuses.ts).
 * With --boot they start at the ROM code, as `withBoard` does for one board.
 */
function targetsOf(args: ProvisionArgs, ctx: CliContext): ProvisionTarget[] {
  const ports = portsOf(args);
  const boardFaults = boardFaultsOf(args, ports);
  const soc = args.soc === 'mp13' ? 'STM32MP13' : 'STM32MP15';
  let base: Buffer | undefined;
  return ports.map((port, i) => {
    const common = {
      serial: { baudRate: args.baud, parity: args.parity },
      syncTimeoutMs: args.timeout,
      reset: args.reset,
      logger: ctx.logger,
      ...(args.record ? { record: recordPath(args.record, i, ports.length) } : {}),
    };
    const index = emulatorIndex(port, 0);
    if (index === undefined) return { port, open: common };
    if (args.fuses && !base) base = readFuses(args.fuses);
    const faults = [args.faults, boardFaults.get(index)].filter((f): f is string => f !== undefined).join(',');
    return {
      port,
      open: {
        ...common,
        emulator: {
          soc,
          stage: args.boot ? 'rom' : args.stage,
          firmware: args.firmware,
          fuses: emulatedBoardFuses(index, { soc, ...(base ? { base, keepMac: true } : {}) }),
          ...(faults ? { faults: parseFaultPlan(faults) } : {}),
        },
      },
    };
  });
}

function readFuses(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError('FILE', `--fuses: cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  }
}

export const provisionCommand: CommandModule<GlobalArgs, ProvisionArgs> = {
  command: 'provision',
  describe: 'Burn a provisioning plan (MAC pool, per-board CSV values, files, literals) into one or many boards in parallel',
  builder: (y: Argv<GlobalArgs>) =>
    withWriteSafetyOptions(y)
      .option('plan', { type: 'string', demandOption: true, describe: 'The plan (JSON, schema: stm32mp-uart/plan.schema.json); its paths are relative to it' })
      .option('boot', { type: 'string', describe: 'Boot each board to U-Boot first with this FlashLayout.tsv (serial boot)' })
      .option('board-faults', {
        type: 'string',
        array: true,
        describe: 'Emulated boards only: N=FAULTS injects FAULTS (as --faults) into emulator:N alone; repeatable',
      })
      .example('$0 provision --plan plan.json --port /dev/ttyUSB0 --port /dev/ttyUSB1', 'Two boards in parallel; asks once (type BURN)')
      .example('$0 provision --plan plan.json --port /dev/ttyUSB0 --dry-run', "Show the board's resolved plan; nothing is written or reserved")
      .example('$0 provision --plan plan.json --port emulator:1 --port emulator:2 --yes --json', 'Two emulated boards, one JSON line per board')
      .example('$0 provision --plan plan.json --port emulator:1 --port emulator:2 --board-faults 2=abort-cmd:14 --yes', 'Emulated board 2 answers ABORT to its 14th command (Start 0xF2)')
      .epilogue(
        'Exit code: 0 only when every board succeeded; otherwise the most severe failure: 3 (verification) > 1 (link) > 2 (refused input) > 4 (cancelled). ' +
          `The audit log (one JSON line per board: UID, port, words before/after, pool address, result, timings) is --audit-log FILE, by default ${DEFAULT_AUDIT_LOG} next to the plan; --no-audit-log turns it off. ` +
          'With several ports --record FILE.jsonl writes FILE.1.jsonl, FILE.2.jsonl, ... (one capture per port).',
      ) as unknown as Argv<ProvisionArgs>,
  handler: action<ProvisionArgs>(async (args, ctx) => {
    const plan = await loadProvisionPlan(args.plan);
    const targets = targetsOf(args, ctx);
    const table = createProvisionTable(
      targets.map((t) => t.port),
      { tty: ctx.stderrIsTTY, write: (text) => void process.stderr.write(text), columns: process.stderr.columns },
    );
    const plans = new Map<string, BoardPlan>();
    const confirm = async (all: BoardPlan[]): Promise<boolean> => {
      table.pause();
      for (const p of all) ctx.note(renderBoardPlan(p));
      const words = all.reduce((n, p) => n + p.otp.pending, 0);
      const go = await askToBurn(words, `OTP word(s) on ${all.filter((p) => p.otp.pending > 0).length} board(s)`);
      table.resume();
      return go;
    };
    const run = await provision({
      plan,
      targets,
      ...(args.boot ? { boot: args.boot } : {}),
      dryRun: args['dry-run'],
      yes: args.yes,
      force: args.force,
      // --no-audit-log (yargs negation) turns the log off.
      auditLog: (args['audit-log'] as string | boolean | undefined) === false ? false : args['audit-log'],
      logger: ctx.logger,
      ...(ctx.stdinIsTTY ? { confirm } : {}),
      onEvent: (e) => {
        table.onEvent(e);
        if (e.type === 'planned') plans.set(e.port, e.plan);
        // JSON Lines stream out as boards finish; the text results follow the table at the end.
        if (e.type === 'result' && ctx.json) ctx.out(JSON.stringify(boardResultJson(e.result, plans.get(e.port))));
      },
    });
    table.pause();
    if (!ctx.json) {
      for (const b of run.boards) {
        const p = plans.get(b.port);
        ctx.out(b.result === 'dry-run' && p ? renderBoardPlan(p) : renderBoardResult(b));
      }
    }
    ctx.note(renderProvisionSummary(run));
    return run.exitCode;
  }),
};
