import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../provision/helpers.js';
import { runCli } from '../helpers/cli.js';

describe('stm32mp-uart pmic', () => {
  it('reads the 8 NVM bytes as a hex dump, as JSON, and into a file', () => {
    const dir = tempDir();
    const text = runCli(['pmic', 'read']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('00: ee 92 c0 02 f2 80 02 33');
    const json = runCli(['pmic', 'read', '--json', '-o', join(dir, 'nvm.bin')]);
    expect(JSON.parse(json.stdout)).toEqual({ bytes: 'ee92c002f2800233', file: join(dir, 'nvm.bin') });
    expect(readFileSync(join(dir, 'nvm.bin')).toString('hex')).toBe('ee92c002f2800233');
  });

  it('writes, reads back and verifies with --yes; shows the byte diff first', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'new.bin'), Buffer.from('ee92c002f2800234', 'hex'));
    const r = runCli(['pmic', 'write', join(dir, 'new.bin'), '--yes', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'written', before: 'ee92c002f2800233', after: 'ee92c002f2800234', changes: [{ offset: 7, from: 0x33, to: 0x34 }] });
  });

  it('shows the diff on a dry run and refuses without a TTY and without --yes (exit 4)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'new.bin'), Buffer.from('ee92c002f2800234', 'hex'));
    const dry = runCli(['pmic', 'write', join(dir, 'new.bin'), '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('byte 7: 0x33 -> 0x34');
    expect(dry.stdout).toContain('Dry run: nothing was sent');
    const refused = runCli(['pmic', 'write', join(dir, 'new.bin')]);
    expect(refused.status).toBe(4);
    expect(refused.stderr).toContain('error [NO_CONFIRMATION]');
  });

  it('refuses a file that is not 8 bytes (exit 2)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'short.bin'), Buffer.alloc(5));
    const r = runCli(['pmic', 'write', join(dir, 'short.bin'), '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [PMIC_SIZE]');
  });

  it('has help with examples', () => {
    const r = runCli(['pmic', 'write', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });
});
