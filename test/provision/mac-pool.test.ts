import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MacPool } from '../../src/operations/provision/mac-pool.js';
import { withFileLock } from '../../src/operations/provision/file-lock.js';
import { tempDir } from './helpers.js';

function pool(dir: string, count = 3): MacPool {
  return new MacPool({ start: '02:00:00:00:00:fe', count, statePath: join(dir, 'pool.json') });
}

const stateOf = (dir: string): { addresses: { mac: string; uid: string; state: string }[] } => JSON.parse(readFileSync(join(dir, 'pool.json'), 'utf8'));

/** The pid of a process that has exited (never reused this soon on Linux). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('the MAC pool', () => {
  it('hands out consecutive addresses across a byte boundary, one per UID, and gives a UID its own back', async () => {
    const dir = tempDir();
    const p = pool(dir);
    expect((await p.reserve('a'.repeat(24))).entry.mac).toBe('02:00:00:00:00:fe');
    expect((await p.reserve('b'.repeat(24))).entry.mac).toBe('02:00:00:00:00:ff');
    const again = await p.reserve('a'.repeat(24));
    expect(again).toMatchObject({ reused: true, entry: { mac: '02:00:00:00:00:fe' } });
    expect((await p.reserve('c'.repeat(24))).entry.mac).toBe('02:00:00:00:01:00');
    expect(stateOf(dir).addresses.map((a) => [a.mac, a.uid[0], a.state])).toEqual([
      ['02:00:00:00:00:fe', 'a', 'reserved'],
      ['02:00:00:00:00:ff', 'b', 'reserved'],
      ['02:00:00:00:01:00', 'c', 'reserved'],
    ]);
  });

  it('says POOL_EXHAUSTED when every address went to a board', async () => {
    const dir = tempDir();
    const p = pool(dir, 1);
    await p.reserve('a'.repeat(24));
    await expect(p.reserve('b'.repeat(24))).rejects.toMatchObject({ code: 'POOL_EXHAUSTED', exitCode: 2 });
  });

  it('never hands a reserved address to another board after a crash, even if it was never burnt', async () => {
    const dir = tempDir();
    // Process 1 reserves, then "crashes" before writing: only the state file survives.
    await pool(dir).reserve('a'.repeat(24), '/dev/ttyUSB0');
    // Process 2, a new pool object on the same file.
    const p2 = pool(dir);
    expect((await p2.reserve('b'.repeat(24))).entry.mac).toBe('02:00:00:00:00:ff');
    expect((await p2.reserve('a'.repeat(24))).entry.mac).toBe('02:00:00:00:00:fe');
    await p2.mark('a'.repeat(24), '02:00:00:00:00:fe', 'failed');
    expect((await p2.reserve('c'.repeat(24))).entry.mac).toBe('02:00:00:00:01:00');
    expect(stateOf(dir).addresses.find((a) => a.uid.startsWith('a'))!.state).toBe('failed');
  });

  it('breaks a lock left by a dead process, and leaves no lock behind', async () => {
    const dir = tempDir();
    const p = pool(dir);
    writeFileSync(p.lockPath, JSON.stringify({ pid: deadPid(), host: (await import('node:os')).hostname(), time: new Date().toISOString() }));
    expect((await p.reserve('a'.repeat(24))).entry.mac).toBe('02:00:00:00:00:fe');
    expect(existsSync(p.lockPath)).toBe(false);
  });

  it('waits for a lock held by a live process, and gives up with POOL_LOCKED', async () => {
    const dir = tempDir();
    const p = new MacPool({ start: '02:00:00:00:00:fe', count: 3, statePath: join(dir, 'pool.json') }, { timeoutMs: 50 });
    await withFileLock(p.lockPath, async () => {
      await expect(p.reserve('a'.repeat(24))).rejects.toMatchObject({ code: 'POOL_LOCKED' });
    });
    expect((await p.reserve('a'.repeat(24))).entry.mac).toBe('02:00:00:00:00:fe');
  });

  it('gives distinct addresses to two processes reserving from the same pool at the same time', async () => {
    const dir = tempDir();
    const script = `
      import { MacPool } from ${JSON.stringify(new URL('../../dist/src/operations/provision/mac-pool.js', import.meta.url).href)};
      const [who, state] = process.argv.slice(2);
      const pool = new MacPool({ start: '02:00:00:00:00:00', count: 1000, statePath: state });
      const got = await Promise.all(Array.from({ length: 15 }, (_, i) => pool.reserve(who + String(i).padStart(23, '0')).then((r) => r.entry.mac)));
      process.stdout.write(JSON.stringify(got));
    `;
    const file = join(dir, 'reserve.mjs');
    writeFileSync(file, script);
    const { spawn } = await import('node:child_process');
    const runOne = (who: string): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [file, who, join(dir, 'pool.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (err += c));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))));
      });
    const [a, b] = await Promise.all([runOne('a'), runOne('b')]);
    const all = [...a, ...b];
    expect(new Set(all).size).toBe(30);
    const state = stateOf(dir);
    expect(state.addresses).toHaveLength(30);
    expect(new Set(state.addresses.map((x) => x.mac)).size).toBe(30);
  });
});
