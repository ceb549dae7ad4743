import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { runCli, startEmulateProcess } from '../helpers/cli.js';
import type { ChildProcess } from 'node:child_process';

const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'otp-cli-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
});

function fusesAfter(args: string[]): { run: ReturnType<typeof runCli>; fuses: Buffer } {
  const out = join(dir, `fuses-${Math.random().toString(16).slice(2)}.bin`);
  const run = runCli([...args, '--save-fuses', out]);
  let fuses = Buffer.alloc(0);
  try {
    fuses = readFileSync(out);
  } catch {
    // no session (refused before opening): nothing saved
  }
  return { run, fuses };
}

describe('otp read', () => {
  it('saves exactly the fuses the emulated board was loaded from', () => {
    const out = join(dir, 'dump.bin');
    const r = runCli(['otp', 'read', '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out).equals(DK2)).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ soc: 'STM32MP15', bytes: 776, uid: '004100323338511634383330' });
  });
});

describe('otp write from the command line', () => {
  it('accepts the vendor spelling, writes, verifies and prints the result as JSON', () => {
    const { run, fuses } = fusesAfter(['otp', 'write', 'word=70', 'value=0x0ABCDEF0', 'lock', 'word=71', 'value=5', '--yes', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.outcome).toBe('written');
    expect(result.checks.map((c: { id: number; ok: boolean }) => [c.id, c.ok])).toEqual([[70, true], [71, true]]);
    const s = decodeOtpStructure(fuses);
    expect(s.words[70]).toMatchObject({ value: 0x0abcdef0, status: 0x40000000 });
    expect(s.words[71]).toMatchObject({ value: 5, status: 0 });
  });

  it('accepts --word/--value/--lock flags', () => {
    const { run, fuses } = fusesAfter(['otp', 'write', '--word', '72', '--value', '0x80', '--lock', '--yes']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Written and verified: 1 word/);
    expect(decodeOtpStructure(fuses).words[72]).toMatchObject({ value: 0x80, status: 0x40000000 });
  });

  it('reads edits from a JSON file', () => {
    const plan = join(dir, 'edits.json');
    writeFileSync(plan, JSON.stringify({ edits: [{ op: 'write-lock', word: 73, value: '0x00001234' }, { op: 'write', word: 74, value: 9 }] }));
    const { run, fuses } = fusesAfter(['otp', 'write', '--from-json', plan, '--yes']);
    expect(run.status, run.stderr).toBe(0);
    const s = decodeOtpStructure(fuses);
    expect([s.words[73]!.value, s.words[73]!.status, s.words[74]!.value]).toEqual([0x1234, 0x40000000, 9]);
  });

  it('refuses without a TTY and without --yes (exit 4), and the fuses stay as they were', () => {
    const { run, fuses } = fusesAfter(['otp', 'write', 'word=70', 'value=1']);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/NO_CONFIRMATION/);
    expect(fuses.equals(DK2)).toBe(true);
  });

  it('shows the plan and sends nothing on --dry-run (exit 0)', () => {
    const { run, fuses } = fusesAfter(['otp', 'write', 'word=70', 'value=0x3', '--dry-run']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/70 \| 0x00000000 -> 0x00000003 \| 0,1/);
    expect(run.stdout).toMatch(/cannot be reset/);
    expect(fuses.equals(DK2)).toBe(true);
  });

  it('refuses a 1→0 write and an upper word already programmed with exit 2', () => {
    const r1 = runCli(['otp', 'write', 'word=12', 'value=0', '--yes']);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/OTP_REFUSED/);
    const r2 = runCli(['otp', 'write', 'word=59', 'value=0x12722303', '--yes']);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/UPPER_ALREADY_PROGRAMMED|WORD_LOCKED/);
  });

  it('refuses to disable UART boot without --force (exit 4), naming the effect', () => {
    const { run, fuses } = fusesAfter(['otp', 'write', 'word=3', 'value=0x00100000', '--yes']);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/BRICK_RISK/);
    expect(run.stderr).toMatch(/UART/);
    expect(fuses.equals(DK2)).toBe(true);
    const forced = fusesAfter(['otp', 'write', 'word=3', 'value=0x00100000', '--yes', '--force']);
    expect(forced.run.status, forced.run.stderr).toBe(0);
    expect(decodeOtpStructure(forced.fuses).words[3]!.value).toBe(0x00100000);
  });

  it('fails with exit 3 and a table when the read-back does not match', () => {
    const r = runCli(['otp', 'write', 'word=70', 'value=0x10', '--yes', '--faults', 'otp-no-program']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/VERIFY_FAILED/);
    expect(r.stderr).toMatch(/expected value/);
  });

  it('appends one audit line per operation', () => {
    const log = join(dir, 'audit.jsonl');
    expect(runCli(['otp', 'write', 'word=75', 'value=0x1', '--yes', '--audit-log', log]).status).toBe(0);
    expect(runCli(['otp', 'write', 'word=7', 'value=0x1', '--yes', '--audit-log', log]).status).toBe(2);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ operation: 'otp-write', uid: '004100323338511634383330', port: 'emulator', result: 'ok' });
    expect(lines[0].words).toEqual([{ id: 75, before: { value: 0, status: 0 }, after: { value: 1, status: 0 } }]);
    expect(lines[1]).toMatchObject({ result: 'refused', error: { code: 'OTP_REFUSED' } });
    expect(lines[1].words).toEqual([{ id: 7, before: { value: 0xdeadbeef, status: 0x40000000 }, after: null }]);
  });

  it('refuses an audit log it cannot write before anything is burnt (exit 2)', () => {
    const { run, fuses } = fusesAfter(['otp', 'write', 'word=70', 'value=1', '--yes', '--audit-log', join(dir, 'missing', 'a.jsonl')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/error \[FILE\]: --audit-log/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(fuses.equals(DK2)).toBe(true);
  });

  it("accepts the vendor tool's leading lock, and --lock for vendor-spelled words", () => {
    const a = runCli(['otp', 'write', 'lock', 'word=70', 'value=1', 'word=71', 'value=2', '--dry-run', '--json']);
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).words.map((w: { requested: { locks: string[] } }) => w.requested.locks)).toEqual([['permanent-lock'], ['permanent-lock']]);
    const b = runCli(['otp', 'write', 'word=70', 'value=1', '--lock', '--dry-run', '--json']);
    expect(JSON.parse(b.stdout).words[0].requested.locks).toEqual(['permanent-lock']);
  });

  it('refuses malformed edit files with exit 2 and no stack trace', () => {
    for (const content of ['[null]', '[{"op":"write","word":70,"value":1,"lock":"yes"}]', '[{"op":"write","word":70,"value":1,"colour":"red"}]', '[{"op":"write","word":70,"value":{}}]']) {
      const plan = join(dir, 'bad-edits.json');
      writeFileSync(plan, content);
      const r = runCli(['otp', 'write', '--from-json', plan, '--dry-run']);
      expect([content, r.status]).toEqual([content, 2]);
      expect(r.stderr).toMatch(/error \[USAGE\]/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('shows a brick-risk write on a dry run (exit 0) and names it', () => {
    const r = runCli(['otp', 'write', 'word=0', 'value=0x57', '--dry-run']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/DANGER word 0: .*closes the device/);
  });
});

describe('otp lock and fwrite', () => {
  it('locks a word permanently without changing its value', () => {
    const { run, fuses } = fusesAfter(['otp', 'lock', 'word=9', '--yes', '--force']);
    expect(run.status, run.stderr).toBe(0);
    expect(decodeOtpStructure(fuses).words[9]).toMatchObject({ value: 0, status: 0x40000000 });
  });

  it('refuses to lock a word that is still 0 without --force', () => {
    expect(runCli(['otp', 'lock', 'word=9', '--yes']).status).toBe(4);
  });

  it('requests sticky locks and reports honestly when OP-TEE firmware ignores them (exit 3)', () => {
    const optee = runCli(['otp', 'lock', 'word=80', '--sticky', 'prog', '--yes']);
    expect(optee.status).toBe(3);
    expect(optee.stderr).toMatch(/until the board resets/);
    const spmin = runCli(['otp', 'lock', 'word=80', '--sticky', 'prog', '--yes', '--firmware', 'sp-min']);
    expect(spmin.status, spmin.stderr).toBe(0);
  });

  it('writes a file into consecutive words as little-endian words', () => {
    const key = join(dir, 'key.bin');
    writeFileSync(key, Buffer.from('0102030405060708', 'hex'));
    const { run, fuses } = fusesAfter(['otp', 'fwrite', key, 'word=80', '--yes']);
    expect(run.status, run.stderr).toBe(0);
    const s = decodeOtpStructure(fuses);
    expect([s.words[80]!.value, s.words[81]!.value]).toEqual([0x04030201, 0x08070605]);
  });

  it("accepts the vendor tool's `fwrite lock FILE word=N` order", () => {
    const key = join(dir, 'key4.bin');
    writeFileSync(key, Buffer.from('11223344', 'hex'));
    const { run, fuses } = fusesAfter(['otp', 'fwrite', 'lock', key, 'word=82', '--yes']);
    expect(run.status, run.stderr).toBe(0);
    expect(decodeOtpStructure(fuses).words[82]).toMatchObject({ value: 0x44332211, status: 0x40000000 });
  });

  it('refuses an fwrite file whose size is not a multiple of 4', () => {
    const key = join(dir, 'odd.bin');
    writeFileSync(key, Buffer.from('010203', 'hex'));
    const r = runCli(['otp', 'fwrite', key, 'word=80', '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/FWRITE_SIZE/);
  });
});

describe('otp over a pseudo-terminal with the real serialport binding', () => {
  it('writes and verifies a word on `stm32mp-uart emulate`', async () => {
    const saved = join(dir, 'pty-fuses.bin');
    const { port, child } = await startEmulateProcess(['--save-fuses', saved]);
    children.push(child);
    const r = runCli(['otp', 'write', 'word=76', 'value=0x00C0FFEE', '--yes', '--json', '--port', port]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).checks[0]).toMatchObject({ id: 76, ok: true, foundValue: 0x00c0ffee });
    const show = runCli(['otp', 'show', '--words', '76', '--json', '--port', port]);
    expect(show.status, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).words).toEqual([{ id: 76, value: 0x00c0ffee, status: 0, flags: [] }]);
  });
});

describe('global options', () => {
  it('refuses a bad --timeout, --baud or an empty --port with exit 2 before opening anything', () => {
    for (const args of [['--timeout', 'abc'], ['--timeout', '-5'], ['--baud', '0'], ['--port', '']]) {
      const r = runCli(['info', ...args]);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(/error \[USAGE\]/);
      expect(r.stderr).not.toMatch(/emulated board/);
    }
  });
});
