import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeCapture, type Capture, CAPTURE_FORMAT, CAPTURE_VERSION } from '../../src/capture/format.js';
import { openReplayTransport, ReplayTransport } from '../../src/capture/replay-transport.js';
import { LinkError, TimeoutError, type Stm32mpError } from '../../src/errors.js';
import { Deadline, realClock } from '../../src/util/clock.js';
import { chunks } from './helpers.js';

function capture(...parts: [dir: 'tx' | 'rx', hex: string][]): Capture {
  return { header: { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, baud: 115200, parity: 'even', port: 'test', started: '' }, chunks: chunks(...parts) };
}

const soon = (): Deadline => Deadline.after(realClock, 2000);

/** Get ID on U-Boot after its unsolicited NACK; the 256-byte answer shows the re-chunking. */
const GET_ID = capture(['rx', '1f'], ['tx', '7f'], ['rx', '79'], ['tx', '02fd'], ['rx', '7901050079'], ['tx', '12ed'], ['rx', `79${'ab'.repeat(256)}`]);

async function failure(p: Promise<unknown>): Promise<Stm32mpError> {
  try {
    await p;
  } catch (e) {
    return e as Stm32mpError;
  }
  throw new Error('expected a failure');
}

describe('ReplayTransport', () => {
  it('plays the device side when the host writes the recorded bytes, in any chunking', async () => {
    const t = new ReplayTransport(GET_ID);
    await t.open();
    expect([...(await t.read(1, soon()))]).toEqual([0x1f]); // recorded before the host's first byte
    await t.write(Buffer.from('7f', 'hex'));
    expect((await t.read(1, soon())).toString('hex')).toBe('79');
    await t.write(Buffer.from('02', 'hex'));
    await t.write(Buffer.from('fd', 'hex'));
    expect((await t.read(5, soon())).toString('hex')).toBe('7901050079');
    await t.write(Buffer.from('12ed', 'hex'));
    expect((await t.read(257, soon())).toString('hex')).toBe(`79${'ab'.repeat(256)}`);
    expect(t.finished).toBe(true);
    await t.close();
  });

  it('delivers answers after the write returns, cut into pieces of 1 to 7 bytes', async () => {
    const t = new ReplayTransport(GET_ID);
    const seen: number[] = [];
    t.tap((dir, data) => void (dir === 'rx' && seen.push(data.length)));
    await t.open();
    await t.read(1, soon());
    await t.write(Buffer.from('7f02fd12ed', 'hex')); // one write covering several recorded writes
    expect(t.available).toBe(0); // nothing arrives inside write
    await t.read(1 + 5 + 257, soon());
    expect(seen.length).toBeGreaterThan(257 / 7);
    expect(Math.max(...seen)).toBeLessThanOrEqual(7);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(1);
  });

  it('names the offset, both byte runs and the decoded frame on a mismatch', async () => {
    const t = new ReplayTransport(GET_ID);
    await t.open();
    await t.write(Buffer.from('7f02', 'hex'));
    const e = await failure(t.write(Buffer.from('fc', 'hex')));
    expect(e).toBeInstanceOf(LinkError);
    expect(e.code).toBe('REPLAY_MISMATCH');
    expect(e.details).toMatchObject({ offset: 2, expected: 'fd12ed', actual: 'fc' });
    expect(e.message).toContain('host byte 2');
    expect(e.message).toContain('expects fd 12 ed');
    expect(e.message).toContain('the host wrote fc');
    expect(e.message).toContain('Get ID (0x02) command');
  });

  it('refuses host bytes after the capture ended', async () => {
    const t = new ReplayTransport(capture(['tx', '7f'], ['rx', '79']));
    await t.open();
    await t.write(Buffer.from('7f', 'hex'));
    const e = await failure(t.write(Buffer.from('7f', 'hex')));
    expect(e.code).toBe('REPLAY_EXHAUSTED');
    expect(e.details).toMatchObject({ offset: 1, actual: '7f' });
  });

  it('times out at the link deadline when the host reads past the capture', async () => {
    const t = new ReplayTransport(capture(['tx', '7f'], ['rx', '79']));
    await t.open();
    await t.write(Buffer.from('7f', 'hex'));
    await t.read(1, soon());
    const e = await failure(t.read(1, Deadline.after(realClock, 10)));
    expect(e).toBeInstanceOf(TimeoutError);
  });

  it('holds an answer until every host byte recorded before it matched, so a pipelined host does not deadlock', async () => {
    // The host wrote the packet before the NACK of the unsupported target arrived.
    const t = new ReplayTransport(capture(['tx', '31ce'], ['rx', '79'], ['tx', '0500000005'], ['tx', '030102030407'], ['rx', '791f']));
    await t.open();
    await t.write(Buffer.from('31ce', 'hex'));
    expect((await t.read(1, soon())).toString('hex')).toBe('79');
    await t.write(Buffer.from('0500000005', 'hex'));
    await t.write(Buffer.from('030102030407', 'hex'));
    expect((await t.read(2, soon())).toString('hex')).toBe('791f');
    expect(t.finished).toBe(true);
  });

  it('fails on close when the host stopped before writing all the recorded host bytes, naming them and their frame', async () => {
    const t = new ReplayTransport(GET_ID);
    await t.open();
    await t.read(1, soon());
    await t.write(Buffer.from('7f', 'hex'));
    await t.read(1, soon());
    const e = await failure(t.close());
    expect(e).toBeInstanceOf(LinkError);
    expect(e.code).toBe('REPLAY_INCOMPLETE');
    expect(e.details).toMatchObject({ offset: 1, total: 5, remaining: '02fd12ed' });
    expect(e.message).toContain('stopped after 1 of 5 host bytes');
    expect(e.message).toContain('02 fd 12 ed');
    expect(e.message).toContain('Get ID (0x02) command');
    await t.close(); // reported once: a second close is quiet
  });

  it('closes quietly when every host byte was matched, even with recorded answers left unread', async () => {
    const t = new ReplayTransport(capture(['tx', '7f'], ['rx', '79'], ['rx', '4e4f54494345']));
    await t.open();
    await t.write(Buffer.from('7f', 'hex'));
    await t.read(1, soon());
    await expect(t.close()).resolves.toBeUndefined();
  });

  it('discards on drain everything recorded before the next host write, as the recorded session did', async () => {
    const t = new ReplayTransport(capture(['tx', '7f'], ['rx', '1f4e4f54494345'], ['tx', '7f'], ['rx', '79']));
    await t.open();
    await t.write(Buffer.from('7f', 'hex'));
    expect(t.drain().toString('hex')).toBe('1f4e4f54494345');
    await t.write(Buffer.from('7f', 'hex'));
    expect((await t.read(1, soon())).toString('hex')).toBe('79');
  });
});

describe('openReplayTransport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-'));

  it('reads a capture file and comes open, with the capture baud and parity', async () => {
    const file = join(dir, 'ok.jsonl');
    writeFileSync(file, serializeCapture(capture(['rx', '1f'], ['tx', '7f'], ['rx', '79'])));
    const t = await openReplayTransport(file);
    expect(t.name).toBe(`replay:${file}`);
    expect(t.settings).toMatchObject({ baudRate: 115200, parity: 'even' });
    expect((await t.read(1, soon())).toString('hex')).toBe('1f');
    await t.write(Buffer.from('7f', 'hex'));
    await t.close();
  });

  it('says which line of a broken capture is wrong, and names a missing file', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${serializeCapture(capture(['tx', '7f']))}{"t":1,"dir":"rx","data":"7`);
    const e = await failure(openReplayTransport(file));
    expect(e.code).toBe('CAPTURE_INVALID');
    expect(e.message).toContain('bad.jsonl:3');
    expect((await failure(openReplayTransport(join(dir, 'missing.jsonl')))).code).toBe('FILE');
  });
});
