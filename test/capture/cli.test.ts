import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture, serializeCapture, CAPTURE_FORMAT, CAPTURE_VERSION } from '../../src/capture/format.js';
import { CLI, REPO_ROOT } from './replay-cases.js';

const FIX = join(REPO_ROOT, 'test/fixtures/import');
const dir = mkdtempSync(join(tmpdir(), 'capture-cli-'));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('capture import', () => {
  it('writes a socat dump as a capture', () => {
    const out = join(dir, 'socat.jsonl');
    const r = cli('capture', 'import', '--from', 'socat', join(FIX, 'socat-get-id.log'), '-o', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Wrote 5 chunk(s) (3 host byte(s), 27 board byte(s))');
    expect(parseCapture(readFileSync(out, 'utf8')).chunks.slice(0, 4).map((c) => `${c.dir}:${c.data.toString('hex')}`)).toEqual(['tx:7f', 'rx:79', 'tx:02fd', 'rx:7901050079']);
  });

  it('merges two Saleae exports, and reports JSON with --json', () => {
    const out = join(dir, 'saleae.jsonl');
    const r = cli('capture', 'import', '--from', 'saleae', '--tx-file', join(FIX, 'saleae-tx.csv'), '--rx-file', join(FIX, 'saleae-rx.csv'), '-o', out, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file: out, format: 'saleae', chunks: 4, txBytes: 3, rxBytes: 6, warnings: 0 });
  });

  it('dates an import without dates by the input file, and prints the warnings on stderr', () => {
    const input = join(dir, 'errors.csv');
    copyFileSync(join(FIX, 'saleae-errors.csv'), input);
    const mtime = new Date('2024-03-04T05:06:07.000Z');
    utimesSync(input, mtime, mtime);
    const out = join(dir, 'errors.jsonl');
    const r = cli('capture', 'import', '--from', 'saleae', input, '-o', out);
    expect(r.code).toBe(0);
    expect(parseCapture(readFileSync(out, 'utf8')).header.started).toBe('2024-03-04T05:06:07.000Z');
    expect(r.stderr).toMatch(/warning: \S*errors\.csv:7: parity error on byte 0x01 \(rx\)/);
    expect(r.stderr).toMatch(/warning: \S*errors\.csv:9: framing error on byte 0x00 \(rx\)/);
  });

  it('reads sigrok annotations with a sample rate', () => {
    const out = join(dir, 'sigrok.jsonl');
    expect(cli('capture', 'import', '--from', 'sigrok', join(FIX, 'sigrok-ann-class.txt'), '--samplerate', '1000000', '-o', out).code).toBe(0);
    expect(parseCapture(readFileSync(out, 'utf8')).chunks.map((c) => c.t)).toEqual([0, 300, 1000, 1500]);
  });

  it('exits 2 with the line and the fix when the input cannot be told apart', () => {
    const r = cli('capture', 'import', '--from', 'sigrok', join(FIX, 'sigrok-rx-only.txt'), '-o', join(dir, 'x.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [CAPTURE_INVALID]');
    expect(r.stderr).toContain('sigrok-rx-only.txt:1');
  });
});

describe('capture decode', () => {
  const capture = join(dir, 'decode.jsonl');
  writeFileSync(
    capture,
    serializeCapture({
      header: { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, baud: 115200, parity: 'even', port: 'test', started: '' },
      chunks: [
        { t: 0, dir: 'rx', data: Buffer.from('c0ffee1f', 'hex') }, // garbage, then the loop's NACK
        { t: 500, dir: 'tx', data: Buffer.from('7f', 'hex') },
        { t: 800, dir: 'rx', data: Buffer.from('79', 'hex') },
        { t: 1000, dir: 'tx', data: Buffer.from('02fd', 'hex') },
        { t: 250_000, dir: 'rx', data: Buffer.from('7901050179', 'hex') },
      ],
    }),
  );

  it('prints one line per frame with time, direction and summary', () => {
    const r = cli('capture', 'decode', capture);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '    0.000000 ← 3 device byte(s) that fit no frame  [c0 ff ee]',
      '    0.000000 ← NACK with no command pending: stage announced / entered its loop  [1f]',
      '    0.000500 → sync 0x7F  [7f]',
      '    0.000800 ← ACK (sync)  [79]',
      '    0.001000 → Get ID (0x02) command  [02 fd]',
      '    0.001000 · gap 249.0 ms',
      '    0.250000 ← ACK Get ID: product id 0x0501 (STM32MP13)  [79 01 05 01 79]',
    ]);
  });

  it('prints JSON Lines with --json and honours --gap-ms', () => {
    const r = cli('capture', 'decode', capture, '--json', '--gap-ms', '300');
    expect(r.code).toBe(0);
    const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(frames.map((f) => f.kind)).toEqual(['unknown', 'stage', 'sync', 'answer', 'command', 'answer']);
    expect(frames[5]).toMatchObject({ content: { type: 'get-id', productId: 0x501, soc: 'STM32MP13' } });
  });

  it('decodes what a truncated capture still holds and names the cut line', () => {
    const whole = readFileSync(join(REPO_ROOT, 'captures/emulated-mp15-otp-write.jsonl'), 'utf8');
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, whole.slice(0, 2000));
    const cut = whole.slice(0, 2000).split('\n').length; // the last, partial line
    const r = cli('capture', 'decode', truncated);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('→ sync 0x7F');
    expect(r.stderr).toContain(`truncated.jsonl:${cut}: skipped: not a JSON line (truncated file?)`);
    expect(r.stderr).toContain('1 line(s) could not be read and were skipped');
    const json = cli('capture', 'decode', truncated, '--json');
    expect(json.code).toBe(0);
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; line?: number });
    expect(objects.filter((o) => o.kind === 'sync').length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.kind === 'invalid-line')).toEqual([{ kind: 'invalid-line', line: cut, message: 'not a JSON line (truncated file?)', text: expect.any(String) }]);
  });

  it('skips garbage lines in the middle and goes on decoding after them', () => {
    const file = join(dir, 'garbage-inside.jsonl');
    const lines = readFileSync(capture, 'utf8').trimEnd().split('\n');
    lines.splice(3, 0, 'NOTICE: not json', '{"t":1,"dir":"sideways","data":"00"}');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = cli('capture', 'decode', file, '--json');
    expect(r.code).toBe(0);
    const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; line?: number });
    expect(objects.filter((o) => o.kind === 'invalid-line').map((o) => o.line)).toEqual([4, 5]);
    expect(objects.at(-1)).toMatchObject({ kind: 'answer', content: { type: 'get-id' } });
  });

  it('exits 2 with a clear message on a file that is not a capture', () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([0x00, 0xff, 0x7f, 0x0a, 0x13, 0x37]));
    const r = cli('capture', 'decode', junk);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a capture');
    expect(r.stderr).toContain('capture import');
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, '{"t":0,"dir":"tx","data":"7f"}\n');
    expect(cli('capture', 'decode', other)).toMatchObject({ code: 2, stderr: expect.stringContaining('capture import') });
    expect(cli('capture', 'decode', join(dir, 'missing.jsonl')).code).toBe(2);
  });
});
