import { ExitCode, isStm32mpError } from '../index.js';
import type { CliContext } from './context.js';
import type { GlobalArgs } from './global-options.js';
import { createCliLogger } from './logger.js';

/**
 * Wraps a command handler: builds the context, and turns every failure into its exit code. Expected
 * failures (typed errors) print one actionable line (or a JSON error object), never a stack trace.
 */
export function action<A extends GlobalArgs>(handler: (args: A, ctx: CliContext) => Promise<number | void>): (args: A) => Promise<void> {
  return async (args: A) => {
    const logger = createCliLogger(args['log-level']);
    const ctx: CliContext = {
      args,
      json: args.json,
      logger,
      out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
      note: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
    };
    try {
      const code = await handler(args, ctx);
      process.exitCode = code ?? ExitCode.OK;
    } catch (err) {
      process.exitCode = reportError(err, ctx);
    }
  };
}

export function reportError(err: unknown, ctx: Pick<CliContext, 'json' | 'out' | 'note' | 'logger'>): number {
  if (isStm32mpError(err)) {
    if (ctx.json) ctx.out(JSON.stringify({ error: err.toJSON() }));
    ctx.note(`error [${err.code}]: ${err.message}`);
    ctx.logger.debug({ err }, 'failure');
    return err.exitCode;
  }
  // A bug, not an expected failure: keep the stack so it can be reported.
  ctx.note(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return ExitCode.LINK;
}
