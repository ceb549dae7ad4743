import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * Two linked pseudo-terminals from socat (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`): what one
 * side writes the other reads, through the kernel's tty layer as with a real adapter. Resolves once
 * socat has announced both paths ("PTY is /dev/pts/N" on stderr).
 */
export function socatPair(): Promise<{ a: string; b: string; stop(): void }> {
  const child: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const paths: string[] = [];
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`socat exited (${code}): ${text}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (!paths.includes(m[1]!)) paths.push(m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(text)) {
        resolve({ a: paths[0]!, b: paths[1]!, stop: () => void child.kill() });
      }
    });
  });
}
