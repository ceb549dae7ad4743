import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = 'dist/bin/stm32mp-uart.js';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (no TTY, no STM32MP_PORT unless given). */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env?.STM32MP_PORT) delete env.STM32MP_PORT;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000, input: options.input ?? '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `stm32mp-uart emulate` and resolves once its first stdout line is complete (a chunk may end
 * inside "/dev/pts/12"), with that line and the pty path in it (plain or `{"port":...}`).
 */
export function startEmulateProcess(args: string[] = []): Promise<{ port: string; firstLine: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'emulate', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.on('exit', (code) => reject(new Error(`emulate exited (${code}) before printing its port: ${text}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      const firstLine = text.slice(0, newline);
      const m = /(\/dev\/[^\s"]+)/.exec(firstLine);
      if (m) resolve({ port: m[1]!, firstLine, child });
      else reject(new Error(`emulate printed no port on its first line: ${text}`));
    });
  });
}

/** Ends a process this test started (by its pid) and waits for it to exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.kill(child.pid, signal);
  return exited;
}

/** The error a synchronous call throws (the test fails if it does not throw). */
export function thrownBy<E = Error>(fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    return e as E;
  }
  throw new Error('expected a failure');
}
