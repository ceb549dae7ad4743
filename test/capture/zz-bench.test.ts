import { it } from 'vitest';
import { createCaptureDecoder } from '../../src/capture/decode.js';
import { chunks, downloadExchange, otpReadExchange } from './helpers.js';
it('bench', () => {
  const img = Buffer.alloc(512 * 1024); for (let i = 0; i < img.length; i++) img[i] = (i * 31) & 0xff;
  const base = chunks(...downloadExchange(0x01, img), ...otpReadExchange(Buffer.alloc(776, 1)));
  let bytes = 0; for (const c of base) bytes += c.data.length;
  const rounds = 100;
  const t0 = performance.now(); let frames = 0;
  for (let r = 0; r < rounds; r++) { const d = createCaptureDecoder(); for (const c of base) frames += d.push(c).length; frames += d.end().length; }
  const s = (performance.now() - t0) / 1000;
  console.log(`${(bytes * rounds / 1e6 / s).toFixed(1)} MB/s, ${frames} frames, ${(bytes*rounds/1e6).toFixed(1)} MB`);
  const rnd = Buffer.alloc(20e6); for (let i = 0; i < rnd.length; i++) rnd[i] = (Math.random() * 256) | 0;
  const rc: any[] = []; for (let o = 0; o < rnd.length; o += 4096) rc.push({ t: o, dir: (o / 4096) % 2 ? 'tx' : 'rx', data: rnd.subarray(o, o + 4096) });
  const t1 = performance.now(); const d = createCaptureDecoder(); let f2 = 0; for (const c of rc) f2 += d.push(c).length; f2 += d.end().length;
  console.log(`random: ${(20 / ((performance.now() - t1) / 1000)).toFixed(1)} MB/s, ${f2} frames`);
});
