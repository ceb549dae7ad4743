import { commandName, Reply, type SocFamily, type Stage } from '../protocol/constants.js';
import type { Clock } from '../util/clock.js';
import type { Bsec, SecureFirmware } from './bsec.js';
import type { CommandFaults, FaultInjector } from './faults.js';
import type { DeviceUart } from './uart.js';

export type EventResult = 'ack' | 'nack' | 'abort' | 'none';

/** One line of the board's log: a command handled, a stage booted, a reset, a fault injected. */
export interface EmulatorEvent {
  atMs: number;
  stage: Stage;
  kind: 'command' | 'bad-command' | 'boot' | 'reset' | 'error' | 'fault' | 'otp-program';
  /** The phase when the event happened (after the command for commands). */
  phase: number;
  code?: number;
  name?: string;
  result?: EventResult;
  /** Download: packet number and OP; Read Partition: partition and offset; Start: address. */
  packet?: number;
  op?: number;
  partition?: number;
  offset?: number;
  length?: number;
  address?: number;
  message?: string;
}

export type EventDetails = Omit<EmulatorEvent, 'atMs' | 'stage' | 'kind' | 'phase'>;

/** What a stage program may touch: the UART, the board's stores and the log. */
export interface StageContext {
  readonly soc: SocFamily;
  readonly clock: Clock;
  readonly uart: DeviceUart;
  readonly faults: FaultInjector;
  readonly bsec: Bsec;
  readonly firmware: SecureFirmware;
  readonly pmicNvm: Buffer;
  readonly flash: Map<number, Buffer>;
  /** U-Boot boot log to print before its loop's NACK, if any. */
  readonly bootLog: string | undefined;
  record(kind: EmulatorEvent['kind'], phase: number, details?: EventDetails): void;
}

/** How a stage program ends. */
export type StageExit = { next: Stage } | { reset: true };

/** The outcome of one command handler, for the log. */
export interface CommandOutcome extends EventDetails {
  result: Exclude<EventResult, 'none'>;
  /** What the board does once the result byte is out: boot the next stage, or reset. */
  then?: StageExit;
}

export const RESULT_BYTE: Readonly<Record<CommandOutcome['result'], number>> = { ack: Reply.ACK, nack: Reply.NACK, abort: Reply.ABORT };

/** The abort-cmd fault: arguments read, work not done. */
export const ABORTED: CommandOutcome = { result: 'abort', message: 'abort-cmd fault' };

/** A pause before NACKing a bad command: "wait to be sure that all data are received" (serial.c loop). */
export const BAD_COMMAND_PAUSE_MS = 3;

export type ReceivedCommand = { code: number; faults: CommandFaults } | undefined;

/**
 * The command-reading part of every stage's loop: 0x7F → ACK; a known command + good complement
 * → (faults) ACK and return it; anything else → 3 ms pause, drain, NACK. `complementMs` bounds the
 * wait for the complement (TF-A's 20 ms per byte); U-Boot waits as long as it takes.
 */
export async function receiveCommand(
  ctx: StageContext,
  commands: readonly number[],
  phase: () => number,
  complementMs?: number,
): Promise<ReceivedCommand> {
  const code = await ctx.uart.getc();
  if (code === Reply.INIT) {
    ctx.uart.result(Reply.ACK);
    return undefined;
  }
  let ok = commands.includes(code);
  if (ok) {
    const complement = complementMs === undefined ? await ctx.uart.getc() : await ctx.uart.getcWithin(complementMs);
    ok = complement !== undefined && (code ^ complement) === 0xff;
  }
  if (!ok) {
    await ctx.uart.pause(BAD_COMMAND_PAUSE_MS);
    ctx.uart.result(Reply.NACK);
    ctx.record('bad-command', phase(), { code, name: commandName(code), result: 'nack' });
    return undefined;
  }
  const faults = ctx.faults.command();
  if (faults.stallMs > 0) await ctx.uart.pause(faults.stallMs);
  if (faults.junk) ctx.uart.put(faults.junk);
  if (faults.nack) {
    await ctx.uart.pause(BAD_COMMAND_PAUSE_MS);
    ctx.uart.result(Reply.NACK);
    ctx.record('command', phase(), { code, name: commandName(code), result: 'nack', message: 'nack-cmd fault' });
    return undefined;
  }
  ctx.uart.result(Reply.ACK);
  return { code, faults };
}

/** XOR of bytes (the protocol's checksums). */
export function xor(bytes: Uint8Array, seed = 0): number {
  let x = seed;
  for (const b of bytes) x ^= b;
  return x;
}

/** Big-endian 32-bit address from 4 bytes. */
export function be32(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** The 4 little-endian bytes of an address (Get Phase). */
export function le32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}
