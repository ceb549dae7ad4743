import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../src/capture/format.js';
import { startRecording } from '../../src/capture/recorder.js';
import { InputError } from '../../src/errors.js';
import { Link } from '../../src/link/link.js';
import { ManualClock } from '../../src/util/clock.js';
import { drive, ScriptedTransport } from '../link/scripted-transport.js';

describe('recorder', () => {
  it('writes the header, then every tx and rx chunk with microseconds since the start', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rec-')), 'session.jsonl');
    const clock = new ManualClock();
    await clock.advance(5);
    const transport = new ScriptedTransport([{ tx: '7f', rx: '79' }, { tx: '02fd', rx: '79 01 05 00 79' }], clock);
    const rec = startRecording(transport, path, '/dev/ttyTEST');
    const link = new Link(transport);
    await clock.advance(1.5);
    await drive(clock, link.sync());
    await drive(clock, link.getId());
    await rec.stop();
    const text = readFileSync(path, 'utf8');
    const [first, second] = text.split('\n');
    expect(first).toMatch(/^\{"format":"stm32mp-uart-capture","version":1,"baud":115200,"parity":"even","port":"\/dev\/ttyTEST","started":"\d{4}-\d\d-\d\dT[^"]+Z"\}$/);
    expect(second).toBe('{"t":1500,"dir":"tx","data":"7f"}');
    const capture = parseCapture(text);
    expect(capture.chunks.map((c) => `${c.dir}:${c.data.toString('hex')}`)).toEqual(['tx:7f', 'rx:79', 'tx:02fd', 'rx:7901050079']);
  });

  it('fails before anything is sent when the file cannot be written', () => {
    const transport = new ScriptedTransport([]);
    expect(() => startRecording(transport, '/nonexistent-dir/x.jsonl', 'p')).toThrow(InputError);
    expect(transport.writes).toEqual([]);
  });
});
