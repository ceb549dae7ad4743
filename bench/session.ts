import { EmulatedBoard } from '../src/emulator/board.js';
import { Link, type LinkOptions } from '../src/link/link.js';
import type { Direction, Transport } from '../src/transport/transport.js';
import { Deadline } from '../src/util/clock.js';
import type { CountedStep, LineSettings } from './model.js';

/** One chunk as the host's transport saw it cross. */
export interface TappedChunk {
  dir: Direction;
  length: number;
  atMs: number;
}

/** An emulated board on the wall clock, its transport and a link, plus what they observed. */
export interface Session {
  board: EmulatedBoard;
  transport: Transport;
  link: Link;
  /** Chunks seen since `record()` (none before). */
  chunks: TappedChunk[];
  /** Syncs and commands the link ran since `record()`, for the mandatory turnaround count. */
  steps: CountedStep[];
  /** Starts recording chunks and steps (the measured part of a run). */
  record(): void;
  close(): Promise<void>;
}

/**
 * Opens an STM32MP15 emulated board in U-Boot's stm32prog loop, on the wall clock, with the wire
 * model when `line` is given, and waits for the loop's unsolicited NACK so that it is already in
 * the host's input when the measured part starts — as for a real session, where the loop started
 * long before the tool opened the port, and sync drains that NACK before its first 0x7F.
 * The wire busy-waits (`WireOptions.busyWait`): a sleeping emulator overshoots some due times and
 * leaves the reacting side with cold caches (7-13 µs per reaction instead of 2-4 here), errors of
 * the instrument that would show as the host's or the device's time.
 */
export async function openSession(line: LineSettings | undefined, linkOptions: LinkOptions = {}): Promise<Session> {
  const board = new EmulatedBoard({ soc: 'STM32MP15', ...(line ? { wire: { baud: line.baud, latencyMs: line.latencyMs, busyWait: true } } : {}) });
  const transport = board.connect();
  await transport.open();
  await transport.read(1, Deadline.after(transport.clock, 2000), 'the unsolicited NACK');
  const link = new Link(transport, { syncTimeoutMs: 5000, ...linkOptions });
  let recording = false;
  const session: Session = {
    board,
    transport,
    link,
    chunks: [],
    steps: [],
    record: () => void (recording = true),
    close: async () => {
      await transport.close();
      board.close();
    },
  };
  transport.tap((dir, data, atMs) => {
    if (recording) session.chunks.push({ dir, length: data.length, atMs });
  });
  link.onEvent((e) => {
    if (!recording) return;
    if (e.type === 'sync') session.steps.push('sync');
    else if (e.type === 'command') session.steps.push(e.command as CountedStep);
  });
  return session;
}
