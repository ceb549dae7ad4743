import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** Runs an example as a user would: plain node, importing the built package by its name. */
function runExample(file: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.STM32MP_PORT;
  const r = spawnSync(process.execPath, [`examples/${file}`, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the examples', () => {
  it('read-uid-mac prints the emulated DK2 UID and MAC', () => {
    const r = runExample('read-uid-mac.mjs');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('port emulator\nsoc STM32MP15\nuid 004100323338511634383330\nmac 00:80:e1:42:48:e4\n');
  });

  it('read-uid-mac reports a typed error with its exit code', () => {
    const r = runExample('read-uid-mac.mjs', ['replay:/nonexistent/capture.jsonl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \[[A-Z_]+\]: /);
  });

  it('provision-one-word writes word 70 and verifies it', () => {
    const r = runExample('provision-one-word.mjs');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('plan word 70: 0x00000000 -> 0x00001234\noutcome written\nverified word 70: 0x00001234 ok\n');
  });

  it('provision-one-word stops with the codec refusal for a 1→0 write (exit 2)', () => {
    // Word 59 holds the DK2 board id 0x12722301 and is locked.
    const r = runExample('provision-one-word.mjs', ['59', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [OTP_REFUSED]');
  });

  it('provision-plan provisions two emulated boards with distinct pool addresses and an audit log', () => {
    const r = runExample('provision-plan.mjs');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => / ok 02:00:00:00:00:1[01]$/.test(l)).sort()).toEqual(['emulator:1: ok 02:00:00:00:00:10', 'emulator:2: ok 02:00:00:00:00:11']);
    const audit = /^audit log (.+)$/m.exec(r.stdout)![1]!;
    expect(readFileSync(audit, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
