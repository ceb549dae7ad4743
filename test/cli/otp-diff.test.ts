import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';

const FIXTURE = 'test/fixtures/stm32mp157c-dk2-otp.bin';

const cli = (...args: string[]): CliRun => runCli(args);

/** The fixture with word 9 written and locked (what `otp write lock word=9 value=0x12345678` does). */
function afterWrite(): string {
  const bytes = Buffer.from(readFileSync(join(ROOT, FIXTURE)));
  bytes.writeUInt32LE(0x12345678, 8 + 8 * 9);
  bytes.writeUInt32LE(0x40000000, 12 + 8 * 9);
  const path = join(mkdtempSync(join(tmpdir(), 'otp-diff-')), 'after.bin');
  writeFileSync(path, bytes);
  return path;
}

describe('otp diff', () => {
  it('says two identical files are identical', () => {
    const r = cli('otp', 'diff', FIXTURE, FIXTURE);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/are identical/);
  });

  it('lists the changed word with its value and status before and after', () => {
    const r = cli('otp', 'diff', FIXTURE, afterWrite());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 word\(s\) differ/);
    expect(r.stdout).toMatch(/09\s+\|\s+0x00000000 -> 0x12345678\s+\|\s+0x00000000 -> 0x40000000 \(\+permanent-lock\)/);
  });

  it('prints the differences as JSON with --json', () => {
    const b = afterWrite();
    const r = cli('otp', 'diff', FIXTURE, b, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      a: FIXTURE,
      b,
      identical: false,
      globalState: null,
      words: [{ id: 9, before: { value: 0, status: 0 }, after: { value: 0x12345678, status: 0x40000000 }, changed: ['value', 'status'] }],
    });
  });

  it('exits 2 when a file is not an OTP structure', () => {
    const r = cli('otp', 'diff', FIXTURE, 'package.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[OTP_(ALIGN|SIZE)\]/);
  });
});
