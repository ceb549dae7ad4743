import { describe, expect, it } from 'vitest';
import { hex, RawHost } from './raw.js';

describe('smoke', () => {
  it('u-boot answers', async () => {
    const h = new RawHost();
    expect(hex(h.take())).toBe('1f');
    expect(hex(await h.exchange([0x7f]))).toBe('79');
    expect(hex(await h.exchange([0x00, 0xff]))).toBe('79 08 40 00 01 02 03 11 12 21 31 79');
    expect(hex(await h.exchange([0x03, 0xfc]))).toBe('79 05 00 00 00 00 c2 00 79');
  });
});
