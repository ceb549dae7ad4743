import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as spawnPty } from '@lydell/node-pty';
import { describe, expect, it } from 'vitest';
import { emulatedUid, tempDir, writePlan } from '../provision/helpers.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { writeBootFiles } from '../boot/boot-files.js';
import { parseCapture } from '../../src/capture/format.js';

const DK2_FUSES = join(ROOT, 'test/fixtures/stm32mp157c-dk2-otp.bin');

/** Host → board Download commands (0x31 0xCE) in a capture's tx bytes. */
function downloadsInCapture(file: string): number {
  const tx = Buffer.concat(parseCapture(readFileSync(file, 'utf8')).chunks.filter((c) => c.dir === 'tx').map((c) => c.data));
  let n = 0;
  for (let i = 0; i + 1 < tx.length; i++) if (tx[i] === 0x31 && tx[i + 1] === 0xce) n++;
  return n;
}

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
    expect(r.output).toMatch(/emulator:1 +cancelled/);
    expect(r.output).not.toContain('Audit log:');
    expect(JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8')).addresses).toEqual([]);
  });

  it('refuses an audit log it cannot write before any board is opened: exit 2, no stack trace', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--port', 'emulator:2', '--yes', '--audit-log', '/nonexistent/x.jsonl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [FILE]');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'mac-pool.json'))).toBe(false);
  });

  it('says why a board was refused even when the reason takes several lines', () => {
    const dir = tempDir();
    // The DK2 as shipped: word 59 holds bits that 0x1 lacks.
    const plan = writePlan(dir, { version: 1, edits: [{ op: 'write', word: 59, value: '0x00000001' }] });
    const r = runCli(['provision', '--plan', plan, '--port', 'emulator:1', '--fuses', DK2_FUSES, '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^emulator:1 +failed .*\[OTP_REFUSED\].*word 59: .*\[/m);
    expect(r.stderr).toMatch(/^ {2}emulator:1 \(UID [0-9a-f]{24}\): \[OTP_REFUSED\] .*word 59: .*\[/m);
  });

  it('checks a bad --boot layout once, before opening any port', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--port', 'emulator:2', '--yes', '--boot', join(dir, 'FlashLayout.tsv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [FILE]');
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'provision-audit.jsonl'))).toBe(false);
  });

  it('boots emulated boards from their ROM code with --boot', () => {
    const dir = tempDir();
    const boot = writeBootFiles(join(dir, 'boot'));
    const record = join(dir, 'run.jsonl');
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--yes', '--json', '--boot', boot.layoutPath, '--record', record]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).result).toBe('ok');
    // FSBL (13 packets) + FIP + flashlayout, then the 4 packets of the OTP request.
    expect(downloadsInCapture(record)).toBeGreaterThan(13 + 4);
  });

  it('refuses the same board named twice (emulator and emulator:1) and an empty --port', () => {
    const dir = tempDir();
    const twice = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator', '--port', 'emulator:1', '--yes']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('error [USAGE]');
    expect(twice.stderr).toContain('emulator:1');
    const empty = runCli(['provision', '--plan', writePlan(dir), '--port', '', '--yes']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('error [USAGE]');
    expect(existsSync(join(dir, 'mac-pool.json'))).toBe(false);
  });

  it('injects emulator faults into one board with --board-faults N=FAULTS', () => {
    const dir = tempDir();
    const r = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--port', 'emulator:2', '--board-faults', '2=otp-no-program', '--yes', '--json']);
    expect(r.status).toBe(3);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(Object.fromEntries(lines.map((l) => [l.port, l.error?.code ?? l.result]))).toEqual({ 'emulator:1': 'ok', 'emulator:2': 'VERIFY_FAILED' });
    const unknown = runCli(['provision', '--plan', writePlan(dir), '--port', 'emulator:1', '--board-faults', '3=otp-no-program', '--yes']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('error [USAGE]');
  });
});
