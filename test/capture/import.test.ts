import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCapture } from '../../src/capture/decode.js';
import { parseCapture, serializeCapture, type Capture } from '../../src/capture/format.js';
import { importCapture } from '../../src/capture/import.js';
import type { Stm32mpError } from '../../src/errors.js';
import { thrownBy } from '../helpers/cli.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url), 'utf8');

/** The session every sample holds: sync, then Get ID of an STM32MP15. */
const GET_ID = [
  ['tx', '7f'],
  ['rx', '79'],
  ['tx', '02fd'],
  ['rx', '7901050079'],
];

function shape(c: Capture): string[][] {
  return c.chunks.map((k) => [k.dir, k.data.toString('hex')]);
}

const failure = (fn: () => unknown): Stm32mpError => thrownBy<Stm32mpError>(fn);

describe('socat -x -v dumps', () => {
  const c = importCapture('socat', fixture('socat-get-id.log'), { source: 'socat-get-id.log' });

  it('reads ">" records as tx and "<" as rx, ignoring the text column', () => {
    expect(shape(c)).toEqual([...GET_ID, ['rx', Buffer.from('NOTICE:  BL2: v2.8\r\n\x1f', 'latin1').toString('hex')]]);
  });

  it('turns the record dates into µs since the first record', () => {
    expect(c.chunks.map((k) => k.t)).toEqual([0, 544, 1544, 3044, 376544]);
    expect(c.header).toMatchObject({ baud: 115200, parity: 'even', port: 'socat:socat-get-id.log', started: '2024-01-02T10:11:12.123456' });
  });

  it('makes a capture the decoder reads', () => {
    const frames = decodeCapture(c.chunks);
    expect(frames.map((f) => f.kind)).toEqual(['sync', 'answer', 'command', 'answer', 'gap', 'text', 'stage']);
    expect(frames[3]).toMatchObject({ content: { type: 'get-id', productId: 0x500 } });
  });

  it('swaps the directions when the host was the second address', () => {
    expect(importCapture('socat', fixture('socat-get-id.log'), { swap: true }).chunks[0]!.dir).toBe('rx');
  });

  it('accepts hex-only dumps (-x) and skips socat log lines', () => {
    const text = '2024/01/02 10:11:12 socat[42] N starting data transfer loop\n> 2024/01/02 10:11:12.000001  length=2 from=0 to=1\n 02 fd\n< 2024/01/02 10:11:12.000101  length=1 from=0 to=0\n 79\n';
    expect(shape(importCapture('socat', text))).toEqual([['tx', '02fd'], ['rx', '79']]);
  });

  it('names the record whose length does not match its bytes', () => {
    const lines = fixture('socat-get-id.log').split('\n');
    const truncated = lines.slice(0, 10).join('\n'); // the 5-byte record loses its hex line
    const e = failure(() => importCapture('socat', truncated, { source: 's.log' }));
    expect(e.code).toBe('CAPTURE_INVALID');
    expect(e.message).toContain('s.log:10: the record announces length=5 but 0 byte(s) follow');
  });

  it('refuses a text-only dump (-v) with the line and the fix', () => {
    const e = failure(() => importCapture('socat', '> 2024/01/02 10:11:12.000001  length=5 from=0 to=4\nhello\n', { source: 'v.log' }));
    expect(e.message).toMatch(/^v\.log:2: .*socat -x -v/);
  });
});

describe('Saleae Logic 2 async serial exports', () => {
  it('tells tx from rx by the analyzer names in one file, times in µs', () => {
    const c = importCapture('saleae', fixture('saleae-both.csv'));
    expect(shape(c)).toEqual(GET_ID);
    expect(c.chunks.map((k) => k.t)).toEqual([0, 300, 1000, 1500]);
  });

  it('merges one export per direction by time, with ASCII display values', () => {
    const c = importCapture('saleae', { tx: fixture('saleae-tx.csv'), rx: fixture('saleae-rx.csv') });
    expect(shape(c)).toEqual(GET_ID);
  });

  it('takes one file for one direction with dir', () => {
    expect(shape(importCapture('saleae', fixture('saleae-rx.csv'), { dir: 'rx' }))).toEqual([['rx', '797901050079']]);
    expect(shape(importCapture('saleae', fixture('saleae-rx.csv'), { dir: 'rx', mergeWindowUs: 500 }))).toEqual([['rx', '79'], ['rx', '7901050079']]);
  });

  it('asks for names when it cannot tell the channels apart', () => {
    const e = failure(() => importCapture('saleae', fixture('saleae-tx.csv'), { source: 'one.csv' }));
    expect(e.code).toBe('CAPTURE_INVALID');
    expect(e.message).toContain('"Async Serial"');
    expect(e.message).toContain('--tx-name');
    const mapped = importCapture('saleae', fixture('saleae-both.csv').replace(/"TX"/g, '"A"').replace(/"RX"/g, '"B"'), { txName: 'A', rxName: 'B' });
    expect(shape(mapped)).toEqual(GET_ID);
  });

  it('names the line of a value that is not a byte', () => {
    const bad = fixture('saleae-both.csv').replace('0xFD', '0x1FD');
    const e = failure(() => importCapture('saleae', bad, { source: 'b.csv' }));
    expect(e.message).toMatch(/^b\.csv:5: data "0x1FD" is not a byte/);
  });

  it('keeps bytes with a parity or framing error but warns about each, naming its line', () => {
    const c = importCapture('saleae', fixture('saleae-errors.csv'), { source: 'e.csv' });
    expect(shape(c)).toEqual(GET_ID);
    expect(c.warnings).toEqual([
      'e.csv:7: parity error on byte 0x01 (rx): kept, but it may not be what was sent',
      'e.csv:9: framing error on byte 0x00 (rx): kept, but it may not be what was sent',
    ]);
    expect(importCapture('saleae', fixture('saleae-both.csv')).warnings).toEqual([]);
  });

  it('reads the error columns of the Logic 1.x export too', () => {
    const c = importCapture('saleae', 'Time [s],Value,Parity Error,Framing Error\n0.001,0x7F,,\n0.002,0x02,Error,\n', { dir: 'tx', source: 'l1.csv' });
    expect(shape(c)).toEqual([['tx', '7f02']]);
    expect(c.warnings).toEqual(['l1.csv:3: parity error on byte 0x02 (tx): kept, but it may not be what was sent']);
  });

  it('refuses a file that is not an async serial export', () => {
    expect(failure(() => importCapture('saleae', 'Time [s],Channel 0\n0.1,1\n', { source: 'd.csv' })).message).toMatch(/^d\.csv:1: not a Saleae/);
  });
});

describe('sigrok-cli uart annotations', () => {
  it('reads the annotation class as the direction and sample numbers as times', () => {
    const c = importCapture('sigrok', fixture('sigrok-ann-class.txt'), { sampleRateHz: 1_000_000 });
    expect(shape(c)).toEqual(GET_ID);
    expect(c.chunks.map((k) => k.t)).toEqual([0, 300, 1000, 1500]);
  });

  it('times the bytes from the baud rate when the sample rate is unknown', () => {
    const c = importCapture('sigrok', fixture('sigrok-ann-class.txt'), { mergeWindowUs: 100 });
    expect(shape(c)).toEqual(GET_ID);
    expect(c.chunks[1]!.t).toBe(Math.round(11e6 / 115200));
  });

  it('reads the verbose form with quotes and skips the other classes', () => {
    expect(shape(importCapture('sigrok', fixture('sigrok-verbose.txt')))).toEqual([['tx', '7f'], ['rx', '79'], ['tx', '02fd']]);
  });

  it('accepts the default output for one direction with dir, and refuses it without', () => {
    expect(shape(importCapture('sigrok', fixture('sigrok-rx-only.txt'), { dir: 'rx' }))).toEqual([['rx', '797901050079']]);
    const e = failure(() => importCapture('sigrok', fixture('sigrok-rx-only.txt'), { source: 'u.txt' }));
    expect(e.message).toMatch(/^u\.txt:1: .*--protocol-decoder-ann-class/);
  });

  it('warns about the parity errors and warnings the decoder reports, keeping the data', () => {
    const c = importCapture('sigrok', 'uart-1: tx-data: 7F\nuart-1: rx-data: 79\nuart-1: rx-parity-err: PE\nuart-1: rx-stop: Stop bit\n', { source: 'p.txt' });
    expect(shape(c)).toEqual([['tx', '7f'], ['rx', '79']]);
    expect(c.warnings).toEqual(['p.txt:3: the decoder reports rx-parity-err: PE (the byte next to it is kept, but may not be what was sent)']);
  });

  it('tells two decoder instances apart by their ids, and accepts "RX:" / "TX data:" labels', () => {
    const two = 'uart-1: 7F\nuart-2: 79\n';
    expect(shape(importCapture('sigrok', two, { txName: 'uart-1', rxName: 'uart-2' }))).toEqual([['tx', '7f'], ['rx', '79']]);
    expect(shape(importCapture('sigrok', 'uart-1: TX data: 7F\nuart-1: RX: 79\nuart-1: RX: [1F]\n'))).toEqual([['tx', '7f'], ['rx', '791f']]);
  });
});

describe('the imported captures', () => {
  it('serialize to the capture format and parse back unchanged', () => {
    for (const c of [importCapture('socat', fixture('socat-get-id.log')), importCapture('saleae', fixture('saleae-both.csv')), importCapture('sigrok', fixture('sigrok-ann-class.txt'))]) {
      expect(parseCapture(serializeCapture(c))).toEqual({ header: c.header, chunks: c.chunks });
    }
  });

  it('carry an ISO start time: the one given, else the epoch for sources without dates', () => {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    expect(importCapture('saleae', fixture('saleae-both.csv')).header.started).toBe('1970-01-01T00:00:00.000Z');
    expect(importCapture('sigrok', fixture('sigrok-ann-class.txt')).header.started).toMatch(iso);
    const started = '2024-05-06T07:08:09.010Z';
    expect(importCapture('sigrok', fixture('sigrok-ann-class.txt'), { started }).header.started).toBe(started);
    expect(importCapture('saleae', { tx: fixture('saleae-tx.csv'), rx: fixture('saleae-rx.csv') }, { started }).header.started).toBe(started);
    // socat dumps carry their own date, which wins.
    expect(importCapture('socat', fixture('socat-get-id.log'), { started }).header.started).toBe('2024-01-02T10:11:12.123456');
  });
});
