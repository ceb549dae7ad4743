import { appendFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Direction, Transport } from '../transport/transport.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION, formatChunkLine, formatHeaderLine } from './format.js';

/**
 * Records every chunk crossing `transport` into a capture file (src/capture/format.ts). The tap only
 * formats a line and queues it: the file is appended asynchronously, one write in flight at a time,
 * so recording never delays the link (the 30 ms Download window). `stop()` flushes what is left.
 */
export function startRecording(transport: Transport, path: string, port: string): { stop(): Promise<void> } {
  const header = formatHeaderLine({
    format: CAPTURE_FORMAT,
    version: CAPTURE_VERSION,
    baud: transport.settings.baudRate,
    parity: transport.settings.parity,
    port,
    started: new Date().toISOString(),
  });
  try {
    // Synchronous once, so a bad path fails before a single byte is sent.
    writeFileSync(path, `${header}\n`);
  } catch (err) {
    throw new InputError('FILE', `--record: cannot write ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  }
  const t0Ms = transport.clock.now();
  let pending: string[] = [];
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;
  let flushQueued = false;

  const flush = (): Promise<void> => {
    flushQueued = false;
    if (pending.length === 0) return writing;
    const text = pending.join('');
    pending = [];
    writing = writing.then(() => appendFile(path, text)).catch((err) => void (failure ??= err));
    return writing;
  };

  const untap = transport.tap((dir: Direction, data: Buffer, atMs: number) => {
    pending.push(`${formatChunkLine({ t: (atMs - t0Ms) * 1000, dir, data })}\n`);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  });

  return {
    async stop() {
      untap();
      await flush();
      if (failure) throw new InputError('FILE', `--record: writing ${path} failed: ${(failure as Error).message}`, { cause: failure, details: { path } });
    },
  };
}

