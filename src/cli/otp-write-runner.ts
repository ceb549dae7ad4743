import type { Argv } from 'yargs';
import { VerifyError } from '../index.js';
import type { OtpEdit } from '../index.js';
import { writeOtp, type WordCheck } from '../index.js';
import { withBoard } from './board-options.js';
import { askToBurn } from './confirm.js';
import type { CliContext } from './context.js';
import type { GlobalArgs } from './global-options.js';
import { otpWriteJson, renderChecks, renderOtpPlan, renderOtpWriteResult } from './render/otp-plan.js';

export interface WriteSafetyArgs {
  yes: boolean;
  force: boolean;
  'dry-run': boolean;
  'audit-log'?: string;
}

/** The options every burning command shares. */
export function withWriteSafetyOptions<T>(y: Argv<T>): Argv<T & WriteSafetyArgs> {
  return y
    .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation (required without a TTY)' })
    .option('force', { type: 'boolean', default: false, describe: 'Also allow writes that can brick the board (closing the device, disabling UART/USB boot, locking an empty word)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Show the plan and stop; nothing is sent' })
    .option('audit-log', { type: 'string', describe: 'Append one JSON line per operation (time, UID, port, words before/after, result)' }) as unknown as Argv<T & WriteSafetyArgs>;
}

/** Read → plan → show → confirm → program → read back → verify, with the CLI's rendering. */
export async function runOtpWrite(args: GlobalArgs & WriteSafetyArgs, ctx: CliContext, edits: OtpEdit[], operation: string): Promise<number> {
  try {
    const result = await withBoard(args, ctx, (session) =>
      writeOtp(session.link, {
        edits,
        force: args.force,
        dryRun: args['dry-run'],
        yes: args.yes,
        logger: ctx.logger,
        auditLog: args['audit-log'],
        port: session.portName,
        operation,
        onPlan: (plan) => {
          // The plan is the result of a dry run; otherwise it is part of the dialogue (stderr), and
          // it is always shown before a question, --json or not.
          if (args['dry-run'] && !ctx.json) ctx.out(renderOtpPlan(plan));
          else if (!ctx.json || (ctx.stdinIsTTY && !args.yes)) ctx.note(renderOtpPlan(plan));
        },
        ...(ctx.stdinIsTTY ? { confirm: (plan) => askToBurn(plan.pending) } : {}),
      }),
    );
    ctx.out(ctx.json ? JSON.stringify(otpWriteJson(result)) : renderOtpWriteResult(result));
    return 0;
  } catch (err) {
    if (err instanceof VerifyError && !ctx.json) ctx.note(renderChecks(err.details.checks as WordCheck[]));
    throw err;
  }
}
