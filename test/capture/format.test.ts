import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../src/capture/format.js';
import { streamCaptureFile, type CaptureItem } from '../../src/capture/read-capture.js';
import type { Stm32mpError } from '../../src/errors.js';
import { thrownBy } from '../helpers/cli.js';

const HEADER = '{"format":"stm32mp-uart-capture","version":1,"baud":115200,"parity":"even","port":"p","started":"2024-01-02T10:11:12.123Z"}';
const DAMAGED = [HEADER, '{"t":0,"dir":"tx","data":"7f"}', 'null', '{"t":5,"dir":"rx","data":"7"}', '{"t":9,"dir":"rx","data":"79"}', '{"t":12,"dir":"tx","da'].join('\n');

const failure = (fn: () => unknown): Stm32mpError => thrownBy<Stm32mpError>(fn);

describe('parseCapture', () => {
  it('strict: refuses the first bad line, naming it', () => {
    const e = failure(() => parseCapture(DAMAGED, 'd.jsonl'));
    expect(e.code).toBe('CAPTURE_INVALID');
    expect(e.message).toBe('d.jsonl:3: expected {"t":<µs>,"dir":"tx"|"rx","data":"<hex>"}');
  });

  it('lenient: keeps every good chunk and lists each bad line with its number', () => {
    const c = parseCapture(DAMAGED, 'd.jsonl', { lenient: true });
    expect(c.chunks.map((k) => `${k.t}:${k.dir}:${k.data.toString('hex')}`)).toEqual(['0:tx:7f', '9:rx:79']);
    expect(c.problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'expected {"t":<µs>,"dir":"tx"|"rx","data":"<hex>"}'],
      [4, 'expected {"t":<µs>,"dir":"tx"|"rx","data":"<hex>"}'],
      [6, 'not a JSON line (truncated file?)'],
    ]);
    expect(c.problems[2]!.text).toBe('{"t":12,"dir":"tx","da');
  });

  it('lenient: still refuses a file whose first line is not the header', () => {
    expect(failure(() => parseCapture('{"t":0,"dir":"tx","data":"7f"}\n', 'x', { lenient: true })).message).toContain('x:1: expected the header');
    expect(failure(() => parseCapture('\u0000\u00ff garbage\n', 'x', { lenient: true })).message).toContain('x:1: not a JSON line');
    expect(failure(() => parseCapture('', 'x', { lenient: true })).message).toBe('x: empty capture (no header line)');
  });
});

describe('streamCaptureFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-stream-'));

  async function items(path: string): Promise<CaptureItem[]> {
    const out: CaptureItem[] = [];
    for await (const item of streamCaptureFile(path, { lenient: true })) out.push(item);
    return out;
  }

  it('yields the header, the chunks and the bad lines in file order, CRLF or not', async () => {
    const file = join(dir, 'd.jsonl');
    writeFileSync(file, DAMAGED.replaceAll('\n', '\r\n'));
    const got = await items(file);
    expect(got.map((i) => (i.kind === 'chunk' ? `chunk ${i.chunk.data.toString('hex')}` : i.kind === 'problem' ? `problem ${i.problem.line}` : i.kind))).toEqual([
      'header',
      'chunk 7f',
      'problem 3',
      'problem 4',
      'chunk 79',
      'problem 6',
    ]);
  });

  it('fails with FILE for a missing file and CAPTURE_INVALID for an empty one', async () => {
    await expect(items(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'FILE' });
    writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
    await expect(items(join(dir, 'empty.jsonl'))).rejects.toMatchObject({ code: 'CAPTURE_INVALID' });
  });
});
