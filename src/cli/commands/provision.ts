import { readFileSync } from 'node:fs';
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
}

/** Every --port given (yargs makes an array of a repeated option). */
function portsOf(args: GlobalArgs): string[] {
  const given = ([] as unknown[]).concat(args.port ?? []).map(String);
  const ports = given.length ? given : [resolvePortName(undefined)];
  const named = new Set<string>();
  for (const p of ports) {
    if (p !== 'emulator' && named.has(p)) throw new InputError('USAGE', `--port ${p} is given twice: each board needs its own port`);
    named.add(p);
  }
  return ports;
}

/** A capture file per board when several are recorded: run.jsonl → run.2.jsonl for the second port. */
function recordPath(base: string, index: number, count: number): string {
  if (count === 1) return base;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? `${base.slice(0, dot)}.${index + 1}${base.slice(dot)}` : `${base}.${index + 1}`;
}

/**
 * --port values → targets. Emulated ports (`emulator`, `emulator:N`) are independent in-process
 * boards; each gets its own UID (word 15 + N) and, without --fuses, a blank MAC (emulated-fuses.ts).
 * A bare `emulator` takes its position among the emulated ports as N.
 */
function targetsOf(args: ProvisionArgs, ctx: CliContext): ProvisionTarget[] {
  const ports = portsOf(args);
  const soc = args.soc === 'mp13' ? 'STM32MP13' : 'STM32MP15';
  let base: Buffer | undefined;
  let emulated = 0;
  return ports.map((given, i) => {
    const common = {
      serial: { baudRate: args.baud, parity: args.parity },
      syncTimeoutMs: args.timeout,
      reset: args.reset,
      logger: ctx.logger,
      ...(args.record ? { record: recordPath(args.record, i, ports.length) } : {}),
    };
    const index = emulatorIndex(given, emulated + 1);
    if (index === undefined) return { port: given, open: common };
    emulated++;
    if (args.fuses && !base) base = readFuses(args.fuses);
    return {
      port: `emulator:${index}`,
      open: {
        ...common,
        emulator: {
          soc,
          stage: args.stage,
          firmware: args.firmware,
          fuses: emulatedBoardFuses(index, { soc, ...(base ? { base, keepMac: true } : {}) }),
          ...(args.faults ? { faults: parseFaultPlan(args.faults) } : {}),
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
      .example('$0 provision --plan plan.json --port /dev/ttyUSB0 --port /dev/ttyUSB1', 'Two boards in parallel; asks once (type BURN)')
      .example('$0 provision --plan plan.json --port /dev/ttyUSB0 --dry-run', "Show the board's resolved plan; nothing is written or reserved")
      .example('$0 provision --plan plan.json --port emulator:1 --port emulator:2 --yes --json', 'Two emulated boards, one JSON line per board')
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
