import { describe, expect, it } from 'vitest';
import { takeWireTimingStats, WHOLE_CHUNK_MS, Wire, type WireDirection } from '../../src/emulator/wire.js';
import { ManualClock, realClock, type Clock } from '../../src/util/clock.js';

const BYTE_MS = 11_000 / 115_200;

interface Delivery {
  dir: WireDirection;
  atMs: number;
  bytes: Buffer;
}

function wire(clock: Clock, baud = 115_200, latencyMs = 1, busyWait = false): { w: Wire; got: Delivery[] } {
  const got: Delivery[] = [];
  const w = new Wire(clock, { baud, latencyMs, busyWait }, (dir, bytes) => got.push({ dir, atMs: clock.now(), bytes: Buffer.from(bytes) }));
  return { w, got };
}

const bytes = (n: number, seed = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

describe('the wire model on a virtual clock', () => {
  it('delivers a long chunk in order, each slice when its last byte has crossed, the whole after 11 bits per byte', async () => {
    const clock = new ManualClock();
    const { w, got } = wire(clock);
    const data = bytes(300);
    w.send('to-device', data);
    await clock.advance(300 * BYTE_MS - 0.001);
    const early = Buffer.concat(got.map((d) => d.bytes));
    expect(early.length).toBeLessThan(300);
    await clock.advance(0.002);
    expect(Buffer.concat(got.map((d) => d.bytes)).equals(data)).toBe(true);
    // First traffic on the line: no turnaround. Slices end at their own byte counts.
    let crossed = 0;
    for (const d of got) {
      crossed += d.bytes.length;
      expect(d.atMs).toBeCloseTo(crossed * BYTE_MS, 9);
    }
    expect(got.length).toBeGreaterThan(1); // sliced, not one timer per byte nor one per chunk
    expect(got.length).toBeLessThan(300 / 10);
  });

  it('adds the latency once per change of direction and keeps chunks of one direction back-to-back', async () => {
    const clock = new ManualClock();
    const { w, got } = wire(clock);
    w.send('to-device', bytes(2));
    await clock.advance(10);
    const t1 = clock.now();
    w.send('to-host', bytes(5, 1));
    w.send('to-host', bytes(3, 2)); // same direction, queued behind: no second turnaround
    await clock.advance(10);
    const toHost = got.filter((d) => d.dir === 'to-host');
    expect(Buffer.concat(toHost.map((d) => d.bytes)).equals(Buffer.concat([bytes(5, 1), bytes(3, 2)]))).toBe(true);
    expect(toHost[0]!.atMs).toBeCloseTo(t1 + 1 + 5 * BYTE_MS, 9);
    expect(toHost[toHost.length - 1]!.atMs).toBeCloseTo(t1 + 1 + 8 * BYTE_MS, 9);
    const t2 = clock.now();
    w.send('to-device', bytes(1));
    await clock.advance(5);
    expect(got[got.length - 1]).toMatchObject({ dir: 'to-device' });
    expect(got[got.length - 1]!.atMs).toBeCloseTo(t2 + 1 + BYTE_MS, 9);
  });

  it('delivers a chunk of at most WHOLE_CHUNK_MS in one piece at its end, and slices a longer one', async () => {
    const clock = new ManualClock();
    const byteMs = 11_000 / 921_600;
    const { w, got } = wire(clock, 921_600);
    const packet = bytes(258); // a Download packet: 3.1 ms at 921600
    expect(258 * byteMs).toBeLessThanOrEqual(WHOLE_CHUNK_MS);
    w.send('to-device', packet);
    await clock.advance(258 * byteMs - 0.001);
    expect(got).toHaveLength(0);
    await clock.advance(0.002);
    expect(got).toHaveLength(1);
    expect(got[0]!.bytes.equals(packet)).toBe(true);
    expect(got[0]!.atMs).toBeCloseTo(258 * byteMs, 9);
    // 400 bytes take 4.8 ms: sliced, the first slice before the end.
    const t0 = clock.now();
    w.send('to-device', bytes(400, 5));
    await clock.advance(400 * byteMs + 0.001);
    const long = got.slice(1);
    expect(long.length).toBeGreaterThan(1);
    expect(long[0]!.atMs).toBeLessThan(t0 + 400 * byteMs - 1);
    expect(Buffer.concat(long.map((d) => d.bytes)).equals(bytes(400, 5))).toBe(true);
  });

  it('drops what is still on the wire when cancelled', async () => {
    const clock = new ManualClock();
    const { w, got } = wire(clock);
    w.send('to-host', bytes(100));
    await clock.advance(2);
    const before = got.length;
    w.cancel();
    await clock.advance(50);
    expect(got.length).toBe(before);
  });
});

describe('the wire model on the wall clock', () => {
  it.each([
    ['sleeping', false],
    ['busy-waiting', true],
  ] as const)('never delivers a chunk before its wire time, and keeps the order across chunks and directions (%s)', async (_, busyWait) => {
    const { w, got } = wire(realClock, 921_600, 0.5, busyWait);
    const byteMs = 11_000 / 921_600;
    takeWireTimingStats();
    const sent: { dir: WireDirection; data: Buffer; dueMs: number }[] = [];
    const send = (dir: WireDirection, data: Buffer, dueMs: number): void => {
      sent.push({ dir, data, dueMs });
      w.send(dir, data);
    };
    const t0 = performance.now();
    send('to-device', bytes(258), t0 + 258 * byteMs);
    send('to-device', bytes(5, 3), t0 + 263 * byteMs);
    await new Promise<void>((resolve) => {
      const poll = (): void => (got.length > 0 && Buffer.concat(got.map((d) => d.bytes)).length === 263 ? resolve() : void setTimeout(poll, 1));
      poll();
    });
    const t1 = performance.now();
    send('to-host', bytes(1, 9), t1 + 0.5 + byteMs);
    await new Promise<void>((resolve) => {
      const poll = (): void => (got.some((d) => d.dir === 'to-host') ? resolve() : void setTimeout(poll, 1));
      poll();
    });
    const toDevice = Buffer.concat(got.filter((d) => d.dir === 'to-device').map((d) => d.bytes));
    expect(toDevice.equals(Buffer.concat([bytes(258), bytes(5, 3)]))).toBe(true);
    expect(got[got.length - 1]!.dir).toBe('to-host');
    // The end of each chunk: not before its due time (a lower bound only; lateness is not asserted).
    const ends: number[] = [];
    let n = 0;
    const total = sent.map((s) => s.data.length);
    for (const d of got) {
      n += d.bytes.length;
      if (n === total[0] || n === total[0]! + total[1]! || d.dir === 'to-host') ends.push(d.atMs);
    }
    expect(ends).toHaveLength(3);
    ends.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(sent[i]!.dueMs - 1e-6));
    expect(takeWireTimingStats().delivered).toBe(3);
  });
});
