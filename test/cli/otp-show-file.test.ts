import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';

const FIXTURE = 'test/fixtures/stm32mp157c-dk2-otp.bin';

const cli = (...args: string[]): CliRun => runCli(args);

function tempFile(name: string, bytes: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'otp-show-')), name);
  writeFileSync(path, bytes);
  return path;
}

describe('otp show --file', () => {
  it('prints the vendor-like display and the named words of the DK2 dump', () => {
    const r = cli('otp', 'show', '--file', FIXTURE);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+07\s+\|\s+0xDEADBEEF\s+\|\s+0x40000000\n\s+\|_\[30\] Permanent write lock$/m);
    expect(r.stdout).toMatch(/State\s+: Secure Open/);
    expect(r.stdout).toMatch(/Serial number\s+\[13-15\]\s+004100323338511634383330/);
    expect(r.stdout).toMatch(/Board id\s+\[59\]\s+MB1272 Var2\.0 Rev\.C-01/);
  });

  it('prints exactly {version, globalState, words[96], named} with --json', () => {
    const r = cli('otp', 'show', '--file', FIXTURE, '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['version', 'globalState', 'words', 'named']);
    expect([j.version, j.globalState]).toEqual([2, 0]);
    expect(j.words).toHaveLength(96);
    expect(j.words[0]).toEqual({ id: 0, value: 0x17, status: 0x30000000, flags: ['sticky-shadow-write-lock', 'sticky-shadow-read-lock'] });
    expect(j.words[7]).toEqual({ id: 7, value: 3735928559, status: 1073741824, flags: ['permanent-lock'] });
    expect(j.named.serialNumber.value).toBe('004100323338511634383330');
    expect(j.named.mac.address).toBe('00:80:e1:42:48:e4');
    expect(j.named.boardId).toMatchObject({ raw: 0x12722301, text: 'MB1272 Var2.0 Rev.C-01', words: [59] });
    expect(j.named.partNumber.name).toBe('STM32MP157C');
  });

  it('restricts the words to --words', () => {
    const r = cli('otp', 'show', '--file', FIXTURE, '--json', '--words', '13-15,57');
    expect(JSON.parse(r.stdout).words.map((w: { id: number }) => w.id)).toEqual([13, 14, 15, 57]);
    const text = cli('otp', 'show', '--file', FIXTURE, '--words', '7').stdout;
    expect(text).toMatch(/^\s+07\s+\|/m);
    expect(text).not.toMatch(/^\s+08\s+\|/m);
  });

  it('exits 2 with OTP_ALIGN on a 775-byte file', () => {
    const path = tempFile('short.bin', readFileSync(join(ROOT, FIXTURE)).subarray(0, 775));
    const r = cli('otp', 'show', '--file', path);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error \[OTP_ALIGN\].*776/);
  });

  it('exits 2 with OTP_VERSION on a version-3 file, and the JSON error on stdout with --json', () => {
    const bytes = Buffer.from(readFileSync(join(ROOT, FIXTURE)));
    bytes.writeUInt32LE(3, 0);
    const path = tempFile('v3.bin', bytes);
    const r = cli('otp', 'show', '--file', path);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[OTP_VERSION\].*only version 2/);
    const j = cli('otp', 'show', '--file', path, '--json');
    expect(j.status).toBe(2);
    expect(JSON.parse(j.stdout).error).toMatchObject({ code: 'OTP_VERSION', version: 3 });
  });

  it('exits 2 with FILE on a missing file and USAGE on a bad --words', () => {
    expect(cli('otp', 'show', '--file', 'no/such/file.bin')).toMatchObject({ status: 2, stderr: expect.stringMatching(/error \[FILE\]/) });
    expect(cli('otp', 'show', '--file', FIXTURE, '--words', '99')).toMatchObject({ status: 2, stderr: expect.stringMatching(/error \[USAGE\]/) });
  });

  it('has --help with an example', () => {
    const r = cli('otp', 'show', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Examples:[\s\S]*otp show --file dump\.bin/);
  });
});
