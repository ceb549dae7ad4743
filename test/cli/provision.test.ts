import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as spawnPty } from '@lydell/node-pty';
import { describe, expect, it } from 'vitest';
import { emulatedUid, tempDir, writePlan } from '../provision/helpers.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';

/** Runs the CLI on a pseudo-terminal (stdin and stderr are TTYs), answering `answer` to the question. */
function runOnTty(args: string[], answer: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env } as Record<string, string>;
    delete env.STM32MP_PORT;
    const term = spawnPty(process.execPath, [BIN, ...args], { cwd: ROOT, cols: 200, rows: 50, env });
    let output = '';
    let answered = false;
    term.onData((d) => {
      output += d;
      if (!answered && output.includes('BURN to go ahead')) {
        answered = true;
        term.write(`${answer}\r`);
      }
    });
    term.onExit(({ exitCode }) => resolve({ exitCode, output }));
  });
}

describe('stm32mp-uart provision', () => {
  it('accepts the smallest plan and provisions two emulated boards, one JSON line each', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--port', 'emulator:2', '--yes', '--json']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.port, l.uid, l.result]).sort()).toEqual([
      ['emulator:1', emulatedUid(1), 'ok'],
      ['emulator:2', emulatedUid(2), 'ok'],
    ]);
    expect(lines.map((l) => l.pool.mac).sort()).toEqual(['02:00:00:00:00:10', '02:00:00:00:00:11']);
    expect(r.stderr).toContain('Provisioning: 2 board(s): 2 burnt, 0 already done.');
    expect(readFileSync(join(dir, 'provision-audit.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('writes the audit log where --audit-log says, and none with --no-audit-log', () => {
    const dir = tempDir();
    const plan = writePlan(dir, { version: 1, edits: [{ op: 'write-lock', word: 70, value: '0x00001234' }] });
    expect(runCli(['provision', '--plan', plan, '--yes', '--no-audit-log']).status).toBe(0);
    expect(() => readFileSync(join(dir, 'provision-audit.jsonl'))).toThrow();
    expect(runCli(['provision', '--plan', plan, '--yes', '--audit-log', join(dir, 'line-3.jsonl')]).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'line-3.jsonl'), 'utf8'))).toMatchObject({ operation: 'provision', port: 'emulator:1', uid: emulatedUid(1), result: 'ok' });
  });

  it('refuses without a TTY and without --yes: exit 4, nothing reserved', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1']);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('error [NO_CONFIRMATION]');
    expect(r.stdout).toBe('');
    expect(() => readFileSync(join(dir, 'mac-pool.json'))).toThrow();
  });

  it('shows each board its resolved plan on a dry run (stdout) and exits 0', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--port', 'emulator:2', '--dry-run']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`== emulator:1: board UID ${emulatedUid(1)} (STM32MP15)`);
    expect(r.stdout).toContain('MAC address: 02:00:00:00:00:11');
    expect(r.stdout).toMatch(/70 \| 0x00000000 -> 0x00001234 .*permanent-lock/);
  });

  it('rejects a bad plan with PLAN_INVALID and its JSON path (exit 2)', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir, { version: 1, edits: [{ op: 'write', word: 70, value: '0x1G' }] }), '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [PLAN_INVALID]');
    expect(r.stderr).toContain('$.edits[0].value');
  });

  it('names the failed board and why, and exits with its code', () => {
    const dir = tempDir();
    // --faults applies to every emulated board: Start 0xF2 programs nothing → verification fails.
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--yes', '--faults', 'otp-no-program']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`emulator:1 (UID ${emulatedUid(1)}): [VERIFY_FAILED]`);
    expect(r.stdout).toContain('emulator:1: failed');
  });

  it('asks once on a terminal, shows the plans and a live table, and burns after BURN', async () => {
    const dir = tempDir();
    const r = await runOnTty(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--port', 'emulator:2'], 'BURN');
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('Type 6 (the number of OTP word(s) on 2 board(s) to burn) or BURN');
    expect(r.output).toContain('== emulator:2: board UID');
    expect(r.output).toMatch(/emulator:1 +done/);
    expect(r.output).toContain('2 burnt');
  });

  it('cancels on a terminal when the answer is not BURN (exit 4)', async () => {
    const dir = tempDir();
    const r = await runOnTty(['provision', '--plan', writePlan(dir), '--port', 'emulator:1'], 'no');
    expect(r.exitCode).toBe(4);
    expect(r.output).toContain('1 cancelled');
    expect(() => readFileSync(join(dir, 'mac-pool.json'))).toThrow();
  });
});
