import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCapture } from '../../src/capture/format.js';
import { emulatedBoardFuses } from '../../src/operations/provision/emulated-fuses.js';
import { runCli, startEmulateProcess, stopProcess } from '../helpers/cli.js';
import { emulatedUid, tempDir, writePlan } from './helpers.js';

const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map((c) => stopProcess(c)));
});

async function startEmulate(args: string[]): Promise<{ port: string; child: ChildProcess }> {
  const started = await startEmulateProcess(args);
  children.push(started.child);
  return started;
}

/** Host → board Download commands (0x31 0xCE) in a capture's tx bytes. */
function downloadsInCapture(file: string): number {
  const tx = Buffer.concat(parseCapture(readFileSync(file, 'utf8')).chunks.filter((c) => c.dir === 'tx').map((c) => c.data));
  let n = 0;
  for (let i = 0; i + 1 < tx.length; i++) if (tx[i] === 0x31 && tx[i + 1] === 0xce) n++;
  return n;
}

describe('provisioning four boards on pseudo-terminals (real serialport binding)', () => {
  it('burns three boards in parallel and fails only the one that ABORTs at Start; a rerun burns nothing', async () => {
    const dir = tempDir();
    const plan = writePlan(dir);
    const ports: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const fuses = join(dir, `fuses-${i}.bin`);
      writeFileSync(fuses, emulatedBoardFuses(i));
      // Board 3 answers ABORT to its 14th command: Start 0xF2 (see provision-emulated.test.ts).
      const { port } = await startEmulate(['--fuses', fuses, ...(i === 3 ? ['--faults', 'abort-cmd:14'] : [])]);
      expect(port).toMatch(/^\/dev\//);
      ports.push(port);
    }
    const portArgs = ports.flatMap((p) => ['--port', p]);
    const first = runCli(['provision', '--plan', plan, ...portArgs, '--yes', '--json']);
    expect(first.status).toBe(1);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    const byPort = new Map(lines.map((l) => [l.port, l]));
    expect(ports.map((p) => byPort.get(p).result)).toEqual(['ok', 'ok', 'failed', 'ok']);
    expect(ports.map((p) => byPort.get(p).uid)).toEqual([1, 2, 3, 4].map(emulatedUid));
    expect(byPort.get(ports[2]).error.code).toBe('OTP_WRITE_ABORTED');
    // Reserved in --port order before the writes start, whatever order the boards reach the pool.
    const macs = ports.map((p) => byPort.get(p).pool.mac);
    expect(macs).toEqual(['02:00:00:00:00:10', '02:00:00:00:00:11', '02:00:00:00:00:12', '02:00:00:00:00:13']);
    expect(first.stderr).toContain(`${ports[2]} (UID ${emulatedUid(3)}): [OTP_WRITE_ABORTED]`);

    const state = JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8'));
    expect(state.addresses.map((a: { mac: string; uid: string; state: string; port: string }) => [a.port, a.uid, a.mac, a.state]).sort()).toEqual(
      ports.map((p, i) => [p, emulatedUid(i + 1), macs[i], i === 2 ? 'failed' : 'burnt']).sort(),
    );
    const audit = readFileSync(join(dir, 'provision-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit).toHaveLength(4);
    for (const line of audit) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['time', 'uid', 'port', 'words', 'pool', 'values', 'result', 'timings']));
      expect(line.words).toHaveLength(3);
      for (const w of line.words) expect(w.after).not.toBeNull();
    }

    // The three good boards again: every word is done, nothing is downloaded (captures prove it).
    const good = [ports[0]!, ports[1]!, ports[3]!];
    const rerun = runCli(['provision', '--plan', plan, ...good.flatMap((p) => ['--port', p]), '--yes', '--json', '--record', join(dir, 'rerun.jsonl')]);
    expect(rerun.status).toBe(0);
    const again = rerun.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(again.map((l) => l.result)).toEqual(['nothing-to-do', 'nothing-to-do', 'nothing-to-do']);
    expect(new Set(again.map((l) => l.pool.mac))).toEqual(new Set([macs[0], macs[1], macs[3]]));
    expect([1, 2, 3].map((n) => downloadsInCapture(join(dir, `rerun.${n}.jsonl`)))).toEqual([0, 0, 0]);
  });
});
