import yargs from 'yargs';
import { ExitCode } from '../index.js';
import { commands } from './commands/index.js';
import { withGlobalOptions } from './global-options.js';

/** Builds and runs the CLI; exit codes are set on process.exitCode by each command's action. */
export async function main(argv: string[]): Promise<void> {
  let cli = withGlobalOptions(yargs(argv))
    .scriptName('stm32mp-uart')
    .usage('$0 <command> [options]\n\nProgram STM32MP1 boards over a UART (AN5275). With no --port, commands use the built-in emulated board.')
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .recommendCommands()
    .example('$0 otp show', "The emulated board's OTP (no --port)")
    .example('$0 otp write word=70 value=0x1234 --port /dev/ttyUSB0', 'Program a word: plan, confirm, write, verify')
    .epilogue('Exit codes: 0 success; 1 board or link failed; 2 bad input, or refused before sending; 3 read-back verification failed; 4 cancelled (no confirmation, or brick risk without --force).')
    .fail((msg, err) => {
      // Handlers catch their own errors (action()): what reaches here is yargs' validation,
      // including the .check() of the global options.
      process.stderr.write(`error [USAGE]: ${msg ?? err?.message}\nRun with --help for usage.\n`);
      process.exit(ExitCode.INPUT);
    })
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100));
  for (const c of commands) cli = cli.command(c as never);
  await cli.parseAsync();
}
