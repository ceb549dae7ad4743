import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURE_FORMAT, CAPTURE_VERSION } from '../../src/capture/format.js';
import { ReplayTransport } from '../../src/capture/replay-transport.js';
import { traceWithDecoder } from '../../src/capture/trace.js';
import { Deadline, realClock } from '../../src/util/clock.js';
import { silentLogger, type Logger } from '../../src/util/logger.js';
import { chunks } from './helpers.js';
import { CLI, REPO_ROOT } from './replay-cases.js';

interface Entry {
  obj: Record<string, unknown>;
  msg: string;
}

function recordingLogger(entries: Entry[], level = 'trace'): Logger {
  const log = ((a: unknown, b?: string) => void entries.push(typeof a === 'string' ? { obj: {}, msg: a } : { obj: a as Record<string, unknown>, msg: b ?? '' })) as Logger['trace'];
  return { ...silentLogger, trace: log, isLevelEnabled: (l: string) => l === level || level === 'trace', child: function (this: Logger) { return this; } };
}

const soon = (): Deadline => Deadline.after(realClock, 2000);

describe('traceWithDecoder', () => {
  it('logs every frame the decoder sees on the transport at trace level, with its fields', async () => {
    const t = new ReplayTransport({
      header: { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, baud: 115200, parity: 'even', port: 't', started: '' },
      chunks: chunks(['rx', '1f'], ['tx', '7f'], ['rx', '79'], ['tx', '02fd'], ['rx', '7901050079'], ['tx', '00fe'], ['rx', '1f']),
    });
    const entries: Entry[] = [];
    const stop = traceWithDecoder(t, recordingLogger(entries));
    await t.open();
    await t.read(1, soon());
    await t.write(Buffer.from('7f', 'hex'));
    await t.read(1, soon());
    await t.write(Buffer.from('02fd', 'hex'));
    await t.read(5, soon());
    await t.write(Buffer.from('00fe', 'hex'));
    await t.read(1, soon());
    stop();
    expect(entries.map((e) => e.obj.kind)).toEqual(['stage', 'sync', 'answer', 'command', 'answer', 'command', 'answer']);
    expect(entries[3]).toMatchObject({ obj: { source: 'wire', kind: 'command', command: 'Get ID', dir: 'tx', bytes: '02fd' } });
    expect(entries[3]!.msg).toMatch(/^\d+\.\d{6} → Get ID \(0x02\) command {2}\[02 fd\]$/);
    expect(entries[4]!.obj).toMatchObject({ content: { type: 'get-id', productId: 0x500 } });
    expect(entries[5]!.msg).toContain('complement BAD');
    await t.close();
  });

  it('flushes the frame still open when stopped, and logs nothing after', async () => {
    const t = new ReplayTransport({
      header: { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, baud: 115200, parity: 'even', port: 't', started: '' },
      chunks: chunks(['tx', '7f'], ['rx', '79'], ['tx', '7f']),
    });
    const entries: Entry[] = [];
    const stop = traceWithDecoder(t, recordingLogger(entries));
    await t.open();
    await t.write(Buffer.from('7f', 'hex'));
    await t.read(1, soon());
    await t.write(Buffer.from('7f', 'hex'));
    stop();
    expect(entries.map((e) => e.obj.kind)).toEqual(['sync', 'answer', 'sync', 'no-answer']);
    stop();
    expect(entries).toHaveLength(4);
  });

  it('is what --log-level trace shows on the CLI: the wire frames next to the link frames', () => {
    const r = spawnSync(process.execPath, [CLI, 'info', '--log-level', 'trace', '--port', `replay:${join(REPO_ROOT, 'captures/emulated-mp15-info.jsonl')}`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const wire = lines.filter((l) => l.source === 'wire');
    expect(wire.find((l) => l.kind === 'command' && l.command === 'Get ID')).toMatchObject({ level: 10, bytes: '02fd' });
    expect(wire.find((l) => l.kind === 'answer' && (l.content as { type?: string } | undefined)?.type === 'get-id')).toBeDefined();
    expect(lines.some((l) => l.source !== 'wire' && l.command === 'Get ID')).toBe(true); // the link's own frames stay
  });
});
