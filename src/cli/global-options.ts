import type { Argv } from 'yargs';
import type { LogLevel } from '../index.js';

/** Options every command takes (yargs globals). */
export interface GlobalArgs {
  json: boolean;
  'log-level': LogLevel;
  port?: string;
  baud: number;
  parity: 'none' | 'even' | 'odd';
  timeout: number;
  record?: string;
  reset: string;
  soc: 'mp15' | 'mp13';
  fuses?: string;
  'save-fuses'?: string;
  faults?: string;
  stage: 'rom' | 'u-boot';
  firmware: 'optee' | 'sp-min';
  boot?: string;
}

export function withGlobalOptions<T>(y: Argv<T>): Argv<T & GlobalArgs> {
  return y
    .option('json', { type: 'boolean', default: false, global: true, describe: 'Print results as JSON on stdout' })
    .option('log-level', {
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      default: 'warn' as const,
      global: true,
      describe: 'Log level (pino, to stderr); trace shows every frame decoded',
    })
    .option('port', {
      type: 'string',
      global: true,
      describe: 'Serial port (e.g. /dev/ttyUSB0), "emulator", or "replay:FILE.jsonl"; default $STM32MP_PORT, else the emulated board',
    })
    .option('baud', { type: 'number', default: 115200, global: true, describe: 'Baud rate' })
    .option('parity', { choices: ['none', 'even', 'odd'] as const, default: 'even' as const, global: true, describe: 'Parity (AN5275: even)' })
    .option('timeout', { type: 'number', default: 10_000, global: true, describe: 'Milliseconds to wait for the board to answer a sync' })
    .option('record', { type: 'string', global: true, describe: 'Record every byte of the session to this capture file (JSON Lines)' })
    .option('reset', {
      type: 'string',
      default: 'none',
      global: true,
      describe: 'DTR/RTS sequence before sync: none, dtr, rts, dtr-inverted, rts-inverted, or a custom sequence like "D0R1,50,D1R0"',
    })
    .option('soc', { choices: ['mp15', 'mp13'] as const, default: 'mp15' as const, global: true, describe: 'The SoC: of the emulated board, and of an OTP file for otp show --file / otp diff (a real board says its own)' })
    .option('fuses', { type: 'string', global: true, describe: 'Emulated board only: initial fuses from this OTP structure file (default: the DK2 dump)' })
    .check((argv) => {
      // Refused here (exit 2) rather than discovered on the wire.
      const baud = argv.baud as number;
      if (!Number.isInteger(baud) || baud <= 0) throw new Error(`--baud must be a positive whole number of bits per second, not "${argv.baud}"`);
      const timeout = argv.timeout as number;
      if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout must be a positive number of milliseconds, not "${argv.timeout}"`);
      if (argv.port !== undefined && String(argv.port).trim() === '') throw new Error('--port is empty: name a serial port (see `stm32mp-uart ports`), "emulator", or "replay:FILE"');
      return true;
    }, true)
    .option('save-fuses', { type: 'string', global: true, describe: 'Emulated board only: save the fuses to this file at exit (continue the session later with --fuses)' })
    .option('faults', { type: 'string', global: true, describe: 'Emulated board only: faults to inject (see `emulate --help`)' })
    .option('boot', {
      type: 'string',
      global: true,
      describe: 'Run the serial boot (ROM → TF-A → U-Boot) from this FlashLayout.tsv first, so one command goes from a blank board to the OTP',
    })
    .option('firmware', {
      choices: ['optee', 'sp-min'] as const,
      default: 'optee' as const,
      global: true,
      describe: 'Emulated board only: the secure firmware behind the OTP partition (OP-TEE ignores sticky lock requests, SP_MIN applies them)',
    })
    .option('stage', { choices: ['rom', 'u-boot'] as const, default: 'u-boot' as const, global: true, describe: "Emulated board only: start at the ROM code or in U-Boot's stm32prog loop" }) as unknown as Argv<
    T & GlobalArgs
  >;
}
