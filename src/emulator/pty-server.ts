import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LinkError } from '../errors.js';
import type { EmulatedBoard } from './board.js';

/** The private parts of node-pty's UnixTerminal that `open` gives us (no child process). */
interface OpenedPty {
  _pty: string;
  _fd: number;
  _master: NodeJS.EventEmitter & { destroy(): void };
  _slave: { setRawMode(raw: boolean): void; destroy(): void };
}

export interface PtyServer {
  /** The slave device a serial tool opens, e.g. /dev/pts/5. */
  readonly path: string;
  close(): void;
}

/**
 * Serves a board on a pseudo-terminal, so any serial tool (our host code with the real serialport
 * binding, socat, Python) can talk to it. Recipe: open a pty pair with node-pty, put it in raw mode,
 * keep one fd of the slave open ourselves (so the pty survives between host opens) and destroy
 * node-pty's slave stream (else it would eat the host's bytes); read the host's bytes from the
 * master stream and write the device's bytes to the master fd directly.
 */
export function servePty(board: EmulatedBoard): PtyServer {
  if (process.platform === 'win32') throw new LinkError('NOT_SUPPORTED', 'emulate: pseudo-terminals need Linux or macOS');
  const require = createRequire(import.meta.url);
  const { UnixTerminal } = require('@lydell/node-pty/unixTerminal.js') as { UnixTerminal: { open(opt: { encoding: null }): OpenedPty } };
  const term = UnixTerminal.open({ encoding: null });
  term._slave.setRawMode(true);
  const keep = openSync(term._pty, constants.O_RDWR | constants.O_NOCTTY);
  term._slave.destroy();

  // Writes to the master may meet a full pty buffer (EAGAIN) when no host is reading: queue them.
  const pending: Buffer[] = [];
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const flush = (): void => {
    retry = undefined;
    while (pending.length > 0 && !closed) {
      const chunk = pending[0]!;
      let written: number;
      try {
        written = writeSync(term._fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          retry = setTimeout(flush, 1);
          return;
        }
        throw err;
      }
      if (written < chunk.length) pending[0] = chunk.subarray(written);
      else pending.shift();
    }
  };

  term._master.on('data', (chunk: Buffer) => board.input(chunk));
  // EIO on the master when every slave fd is closed; we keep one, so this is only for shutdown.
  term._master.on('error', () => {});
  const unlisten = board.onOutput((bytes) => {
    pending.push(bytes);
    if (!retry) flush();
  });
  board.powerOn();

  return {
    path: term._pty,
    close() {
      if (closed) return;
      closed = true;
      unlisten();
      if (retry) clearTimeout(retry);
      closeSync(keep);
      term._master.destroy();
    },
  };
}
