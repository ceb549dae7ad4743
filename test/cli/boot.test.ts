import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../src/capture/format.js';
import { startProgress } from '../../src/cli/progress.js';
import { writeBootFiles } from '../boot/boot-files.js';


const cli = (...args: string[]): CliRun => runCli(args);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'boot-cli-'));
}

describe('stm32mp-uart boot', () => {
  it('boots the emulated board from its ROM code with a flashlayout and prints the stages as JSON', () => {
    const f = writeBootFiles(tmp());
    const r = cli('boot', '--layout', f.layoutPath, '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['stages']);
    expect(out.stages.map((s: Record<string, unknown>) => Object.keys(s))).toEqual([
      ['stage', 'phase', 'bytes', 'ms'],
      ['stage', 'phase', 'bytes', 'ms'],
      ['stage', 'phase', 'bytes', 'ms'],
    ]);
    expect(out.stages.map((s: { stage: string; phase: number; bytes: number }) => [s.stage, s.phase, s.bytes])).toEqual([
      ['rom', 1, f.fsbl.length],
      ['tf-a', 3, f.fip.length],
      ['u-boot', 0, f.layout.length],
    ]);
    for (const s of out.stages) expect(Number.isInteger(s.ms) && s.ms >= 0).toBe(true);
    // stderr is not a TTY here: plain progress lines, then the summary.
    expect(r.stderr).toMatch(/using the emulated board/);
    expect(r.stderr).toMatch(/^ {2}tf-a-emulated\.stm32: 3\.2 KiB \(3256 bytes\)$/m);
    expect(r.stderr).toMatch(/^ {2}fip-emulated\.bin: 2\.0 KiB in /m);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(/^Booted to U-Boot stm32prog in .*\n {2}ROM code +phase 0x01 +3\.2 KiB +\d/m);
  });

  it('boots with --fsbl and --ssbl, and records the whole chain with --record', () => {
    const d = tmp();
    const f = writeBootFiles(d);
    const record = join(d, 'boot.jsonl');
    const r = cli('boot', '--fsbl', f.fsblPath, '--ssbl', f.fipPath, '--record', record);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const capture = parseCapture(readFileSync(record, 'utf8'));
    const tx = Buffer.concat(capture.chunks.filter((c) => c.dir === 'tx').map((c) => c.data));
    // The FSBL's first packet goes out whole: N-1 = 0xFF, 256 bytes from the header on, then the XOR.
    expect(tx.includes(Buffer.concat([Buffer.from([0xff]), f.fsbl.subarray(0, 256)]))).toBe(true);
    expect(tx.includes(f.fip.subarray(f.fip.length - 48))).toBe(true); // the FIP's short last packet
  });

  it('says which stage stopped answering when the emulated TF-A never starts (silent-stage fault), exit 1', () => {
    const f = writeBootFiles(tmp());
    const r = cli('boot', '--layout', f.layoutPath, '--faults', 'silent-stage:tf-a', '--stage-timeout', '300', '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'STAGE_TIMEOUT', stage: 'tf-a', after: 'rom', announced: false } });
    expect(r.stderr).toMatch(/error \[STAGE_TIMEOUT\]: TF-A stopped answering after the ROM code started it/);
  });

  it('refuses a flashlayout whose header names other columns, with its line number, before opening the board', () => {
    const f = writeBootFiles(tmp());
    writeFileSync(f.layoutPath, f.layout.toString().replace('#Opt\tId\t', '#Opt\tIdent\t'));
    const r = cli('boot', '--layout', f.layoutPath, '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'LAYOUT_INVALID', line: 1 } });
    expect(r.stderr).toMatch(/FlashLayout\.tsv:1: header column 2 is 'Ident', expected 'Id'/);
    expect(r.stderr).not.toMatch(/using the emulated board/);
  });

  it('refuses a malformed flashlayout row with its line number, exit 2, before opening the board', () => {
    const f = writeBootFiles(tmp());
    writeFileSync(f.layoutPath, 'P\t0x01\tfsbl-boot\tBinary\tnone\n');
    const r = cli('boot', '--layout', f.layoutPath, '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'LAYOUT_INVALID', line: 1 } });
    expect(r.stderr).toMatch(/error \[LAYOUT_INVALID\]: .*FlashLayout\.tsv:1: 5 column\(s\)/);
    expect(r.stderr).not.toMatch(/using the emulated board/);
  });

  it('refuses an image that is not an STM32 image, naming the file and the field', () => {
    const f = writeBootFiles(tmp());
    const r = cli('boot', '--fsbl', f.fipPath, '--ssbl', f.fipPath);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[IMAGE_INVALID\]: .*fip-emulated\.bin: magic: expected "STM2"/);
  });

  it('asks for both images when no layout is given', () => {
    const r = cli('boot', '--fsbl', 'tf-a.stm32');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[USAGE\]: name the images to load/);
  });

  it('says the board is already in U-Boot with --stage u-boot', () => {
    const f = writeBootFiles(tmp());
    const r = cli('boot', '--layout', f.layoutPath, '--stage', 'u-boot', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ stages: [{ stage: 'u-boot', phase: 0, bytes: 0, ms: 0 }] });
    expect(r.stderr).toMatch(/already in U-Boot/);
  });

  it('has help with an example', () => {
    const r = cli('boot', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--layout/);
    expect(r.stdout).toMatch(/Examples:/);
  });
});

describe('progress rendering', () => {
  it('redraws one bar line with bytes, rate and ETA on a terminal, then ends it with a summary', () => {
    let now = 0;
    const out: string[] = [];
    const bar = startProgress('tf-a.stm32', 4096, { tty: true, write: (t) => out.push(t), now: () => now });
    now = 1000;
    bar.update(1024);
    now = 1050; // within the redraw interval: not drawn
    bar.update(1280);
    now = 2000;
    bar.update(2048);
    bar.done();
    expect(out).toEqual([
      '\r\x1b[2Ktf-a.stm32 [######------------------]  25% 1.0 KiB/4.0 KiB 1.0 KiB/s ETA 3.0 s',
      '\r\x1b[2Ktf-a.stm32 [############------------]  50% 2.0 KiB/4.0 KiB 1.0 KiB/s ETA 2.0 s',
      '\r\x1b[2Ktf-a.stm32: 2.0 KiB in 2.0 s (1.0 KiB/s)\n',
    ]);
  });

  it('prints plain lines at the start, each quarter and the end when stderr is not a terminal', () => {
    let now = 0;
    const out: string[] = [];
    const bar = startProgress('fip.bin', 1000, { tty: false, write: (t) => out.push(t), now: () => now });
    for (let sent = 100; sent <= 1000; sent += 100) {
      now += 100;
      bar.update(sent);
    }
    bar.done();
    expect(out).toEqual([
      'fip.bin: 1000 B (1000 bytes)\n',
      'fip.bin: 25% (300/1000 bytes)\n',
      'fip.bin: 50% (500/1000 bytes)\n',
      'fip.bin: 75% (800/1000 bytes)\n',
      'fip.bin: 1000 B in 1.0 s (1000 B/s)\n',
    ]);
  });
});
