import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteLengthParser } from '@serialport/parser-byte-length';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulateProcess, stopProcess } from '../helpers/cli.js';

const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));
const GET_ANSWER = '790840000102031112213179';

let child: ChildProcess | undefined;

afterEach(async () => {
  if (child) await stopProcess(child);
  child = undefined;
});

/** Starts `stm32mp-uart emulate` and resolves with its first stdout line. */
async function startEmulator(args: string[]): Promise<string> {
  const started = await startEmulateProcess(args);
  child = started.child;
  return started.firstLine;
}

/** Collects bytes from the port until `done` says so (or fails after a generous real-time bound). */
function collect(port: SerialPort, done: (all: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let all = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      all = Buffer.concat([all, d]);
      if (done(all)) finish();
    };
    const timer = setTimeout(() => {
      port.off('data', onData);
      reject(new Error(`no complete answer; got ${all.toString('hex')}`));
    }, 5000);
    const finish = (): void => {
      clearTimeout(timer);
      port.off('data', onData);
      resolve(all);
    };
    port.on('data', onData);
  });
}

describe('stm32mp-uart emulate (a board on a pseudo-terminal)', () => {
  it('prints the port first, answers raw bytes through the real serialport binding, and saves the fuses on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulate-'));
    const saved = join(dir, 'fuses.bin');
    const first = await startEmulator(['--json', '--save-fuses', saved]);
    const { port: path } = JSON.parse(first) as { port: string };
    expect(path).toMatch(/^\/dev\/(pts\/\d+|ttys\d+)/);

    const port = new SerialPort({ path, baudRate: 115200, parity: 'even', autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    try {
      // A stale unsolicited NACK from power-on may still be in the pty: the sync answer ends with 0x79.
      const sync = collect(port, (all) => all.at(-1) === 0x79);
      port.write(Buffer.from([0x7f]));
      expect((await sync).toString('hex')).toMatch(/^(1f)?79$/);
      // Get's answer has a fixed length (12 bytes from U-Boot): the place for a byte-length parser.
      const parser = port.pipe(new ByteLengthParser({ length: 12 }));
      const get = new Promise<Buffer>((resolve) => parser.once('data', resolve));
      port.write(Buffer.from([0x00, 0xff]));
      expect((await get).toString('hex')).toBe(GET_ANSWER);
      port.unpipe(parser);
    } finally {
      await new Promise((resolve) => port.close(resolve));
    }

    expect(await stopProcess(child!)).toBe(0);
    expect(readFileSync(saved).equals(DK2)).toBe(true);
  });

  it('answers a plain POSIX client too (Python, os.open + termios raw mode)', async () => {
    const path = await startEmulator(['--soc', 'mp13']);
    const script = `
import os, sys, select, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
def read(n):
    out = b''
    while len(out) < n:
        if not select.select([fd], [], [], 5)[0]:
            break
        out += os.read(fd, n - len(out))
    return out
os.write(fd, b'\\x7f')
sync = read(1)
if sync == b'\\x1f':
    sync = read(1)
os.write(fd, b'\\x02\\xfd')
print(sync.hex(), read(5).hex())
os.close(fd)
`;
    const r = spawnSync('python3', ['-c', script, path], { encoding: 'utf8', timeout: 15000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('79 7901050179');
  });
});
