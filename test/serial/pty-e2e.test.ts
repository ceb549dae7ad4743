import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, startEmulateProcess, stopProcess } from '../helpers/cli.js';
import { hasSocat } from './socat-pair.js';

/**
 * The whole stack on a real serial port: `stm32mp-uart emulate` serves the emulated board on a
 * pseudo-terminal, and `stm32mp-uart info --port <pty>` talks to it through serialport, as it would
 * to a USB-serial adapter. The socat variant adds a relay between the two, as a second tty layer.
 */
const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopProcess(c)));
});

/** Starts a process and resolves with the first match of `pattern` in its output (stdout or stderr). */
function startAndWaitFor(cmd: string, args: string[], pattern: RegExp, stream: 'stdout' | 'stderr'): Promise<string> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = '';
    child.on('exit', (code) => reject(new Error(`${cmd} exited (${code}) before printing ${pattern}: ${text}`)));
    child[stream]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) resolve(m[1]!);
    });
  });
}

/** `emulate` prints the pty path on its first stdout line. */
async function startEmulator(...args: string[]): Promise<string> {
  const { port, child } = await startEmulateProcess(args);
  children.push(child);
  return port;
}

function infoJson(port: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, [BIN, 'info', '--json', '--port', port], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/emulated board/);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('end to end over a pseudo-terminal', () => {
  it('reads info from `emulate` through serialport', async () => {
    const pty = await startEmulator();
    expect(infoJson(pty)).toMatchObject({ stage: 'u-boot', soc: 'STM32MP15', productId: 0x500, protocolVersion: '4.0', loaderVersion: '0.3' });
  });

  it('reads info from an emulated STM32MP13', async () => {
    const pty = await startEmulator('--soc', 'mp13');
    expect(infoJson(pty)).toMatchObject({ soc: 'STM32MP13', productId: 0x501 });
  });

  it.skipIf(!hasSocat)('reads info through a socat relay in front of the emulator', async () => {
    const emulatorPty = await startEmulator();
    const relayPty = await startAndWaitFor('socat', ['-d', '-d', 'pty,raw,echo=0', `file:${emulatorPty},raw,echo=0`], /PTY is (\S+)[\s\S]*starting data transfer loop/, 'stderr');
    expect(infoJson(relayPty)).toMatchObject({ stage: 'u-boot', soc: 'STM32MP15' });
  });
});
