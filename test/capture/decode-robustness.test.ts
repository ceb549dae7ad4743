import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCaptureDecoder, decodeCapture, type DecodedFrame } from '../../src/capture/decode.js';
import type { CaptureChunk } from '../../src/capture/format.js';
import { chunks, downloadExchange, otpReadExchange, otpReadExchangeAhead } from './helpers.js';

const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));

/** Deterministic xorshift32, so a failing fuzz case fails again. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function stream(cs: CaptureChunk[], dir: 'tx' | 'rx'): string {
  return Buffer.concat(cs.filter((c) => c.dir === dir).map((c) => c.data)).toString('hex');
}

/** Every byte of the capture is in exactly one frame, in order, at its position. */
function expectEveryByteOnce(cs: CaptureChunk[], frames: DecodedFrame[]): void {
  for (const dir of ['tx', 'rx'] as const) {
    const mine = frames.filter((f) => f.dir === dir && f.bytes.length > 0).sort((a, b) => a.pos - b.pos);
    let pos = 0;
    for (const f of mine) {
      expect(f.pos, `${dir} frame "${f.summary}" starts where the previous ended`).toBe(pos);
      pos += f.bytes.length / 2;
    }
    expect(mine.map((f) => f.bytes).join('')).toBe(stream(cs, dir));
  }
}

function randomCapture(next: () => number, n: number): CaptureChunk[] {
  const out: CaptureChunk[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(next() * 40);
    const data = Buffer.alloc(len);
    // Bias towards protocol bytes so that the fuzz reaches deep states, not only junk.
    const alphabet = [0x7f, 0x79, 0x1f, 0x5f, 0x00, 0xff, 0x12, 0xed, 0x31, 0xce, 0xf2, 0x03, 0xfc, 0x21, 0xde];
    for (let j = 0; j < len; j++) data[j] = next() < 0.5 ? alphabet[Math.floor(next() * alphabet.length)]! : Math.floor(next() * 256);
    t += Math.floor(next() * 200_000);
    out.push({ t, dir: next() < 0.5 ? 'tx' : 'rx', data });
  }
  return out;
}

describe('the decoder on garbage', () => {
  it('never throws on random bytes, accounts for every byte once and emits JSON-able frames', () => {
    const next = rng(0x5eed);
    for (let round = 0; round < 300; round++) {
      const cs = randomCapture(next, 1 + Math.floor(next() * 30));
      const frames = decodeCapture(cs);
      expectEveryByteOnce(cs, frames);
      expect(JSON.parse(JSON.stringify(frames))).toEqual(frames);
      for (const f of frames) expect(typeof f.summary).toBe('string');
    }
  });

  it('decodes a capture with garbage between two exchanges and re-synchronises on the next command', () => {
    const cs = chunks(['rx', 'deadbeef00ff10'], ['tx', 'aa56'], ...otpReadExchange(DK2));
    const frames = decodeCapture(cs);
    expect(frames[0]).toMatchObject({ kind: 'unknown', dir: 'rx', bytes: 'deadbeef00ff10' });
    expect(frames[1]).toMatchObject({ kind: 'unknown', dir: 'tx', ignoredByDevice: true, bytes: 'aa56' });
    expect(frames.filter((f) => f.kind === 'otp')).toHaveLength(1);
    expectEveryByteOnce(cs, frames);
  });
});

describe('the decoder on partial captures', () => {
  const full = chunks(
    ['tx', '7f'],
    ['rx', '79'],
    ['tx', '00ff'],
    ['rx', '790840000102031112213179'],
    ...otpReadExchange(DK2),
    ...downloadExchange(0xf2, Buffer.alloc(300, 1)),
    ...otpReadExchangeAhead(DK2),
  );
  const bytes: { t: number; dir: 'tx' | 'rx'; b: number }[] = full.flatMap((c) => [...c.data].map((b) => ({ t: c.t, dir: c.dir, b })));

  function slice(from: number, to: number): CaptureChunk[] {
    return bytes.slice(from, to).map((x) => ({ t: x.t, dir: x.dir, data: Buffer.from([x.b]) }));
  }

  it('survives a cut at every byte: the open frame is marked truncated or the wait is named', () => {
    // Every byte of the first 400, and every byte of the OTP read that sends its lengths ahead (last).
    const aheadBytes = otpReadExchangeAhead(DK2).reduce((n, [, hex]) => n + hex.replace(/\s+/g, '').length / 2, 0);
    const cuts = [...Array.from({ length: 399 }, (_, k) => k + 1), ...Array.from({ length: aheadBytes }, (_, k) => bytes.length - aheadBytes + k + 1)];
    for (const cut of cuts) {
      const cs = slice(0, cut);
      const frames = decodeCapture(cs);
      expectEveryByteOnce(cs, frames);
      const last = frames.at(-1)!;
      // Either the last exchange ended (an answer, or the OTP structure it completed), or the end says what is missing.
      const ok = last.truncated === true || last.kind === 'no-answer' || last.kind === 'answer' || last.kind === 'otp' || (last.kind === 'unknown' && last.bytes.length === 2);
      expect(ok, `cut at ${cut}: ${last.kind} ${last.summary}`).toBe(true);
    }
  });

  it('re-synchronises when the capture starts mid-command and still decodes the next OTP read', () => {
    const firstRead = bytes.findIndex((x, i) => x.dir === 'tx' && x.b === 0x12 && bytes[i + 1]?.b === 0xed);
    const secondHalf = chunks(...otpReadExchange(DK2));
    for (let skip = firstRead + 1; skip < firstRead + 300; skip += 7) {
      const cs = [...slice(skip, bytes.length), ...secondHalf.map((c) => ({ ...c, t: c.t + 1_000_000 }))];
      const frames = decodeCapture(cs);
      expectEveryByteOnce(cs, frames);
      const otp = frames.filter((f) => f.kind === 'otp' && f.source === 'read');
      expect(otp.length, `skip ${skip}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('can be pushed to after end(): a new stream starts clean', () => {
    const d = createCaptureDecoder();
    d.push({ t: 0, dir: 'tx', data: Buffer.from('12', 'hex') });
    expect(d.end().map((f) => f.kind)).toEqual(['unknown']);
    const again = [...d.push({ t: 1, dir: 'tx', data: Buffer.from('7f', 'hex') }), ...d.push({ t: 2, dir: 'rx', data: Buffer.from('79', 'hex') }), ...d.end()];
    expect(again.map((f) => f.kind)).toEqual(['sync', 'answer']);
  });
});
