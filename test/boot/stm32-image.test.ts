import { describe, expect, it } from 'vitest';
import {
  buildStm32Image,
  FSBL_MAX_BYTES,
  parseStm32Image,
  stm32Checksum,
  Stm32HeaderOffset,
} from '../../src/boot/stm32-image.js';
import { InputError } from '../../src/errors.js';

const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff));

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('IMAGE_INVALID');
    return err as InputError;
  }
  throw new Error('expected IMAGE_INVALID');
}

describe('STM32 image header', () => {
  it('sums the payload bytes as a 32-bit checksum that wraps', () => {
    expect(stm32Checksum(Buffer.from([1, 2, 0xff]))).toBe(0x102);
    expect(stm32Checksum(Buffer.alloc(0x1010102, 0xff))).toBe(254); // 0x1010102 × 0xff = 2^32 + 254
  });

  it('builds a v1 header for STM32MP15 byte for byte', () => {
    const img = buildStm32Image({ soc: 'STM32MP15', payload: Buffer.from([1, 2, 3]), entry: 0x2ffc2500 });
    expect(img.length).toBe(256 + 3);
    expect(img.subarray(0, 4).toString('hex')).toBe('53544d32');
    expect(img.subarray(0x44, 0x54).toString('hex')).toBe('06000000' + '00000100' + '03000000' + '0025fc2f');
    expect(img.readUInt32LE(0x64)).toBe(1); // no signature check
    expect(img[0xff]).toBe(0x10); // TF-A BL2
    expect(img.subarray(256).toString('hex')).toBe('010203');
  });

  it('builds a v2 header with one 0x180-byte padding extension for STM32MP13 (512-byte header)', () => {
    const img = buildStm32Image({ soc: 'STM32MP13', payload });
    expect(img.length).toBe(512 + payload.length);
    expect(img.readUInt32LE(0x48)).toBe(0x00020000);
    expect(img.readUInt32LE(0x64)).toBe(0x80000000);
    expect(img.readUInt32LE(0x68)).toBe(0x180);
    expect(img.subarray(0x80, 0x88).toString('hex')).toBe('5354ffff80010000');
    const info = parseStm32Image(img, { soc: 'STM32MP13' });
    expect(info).toMatchObject({ soc: 'STM32MP13', headerMajor: 2, headerBytes: 512, payloadBytes: 1000, checksum: stm32Checksum(payload) });
    expect(info.extensions).toEqual([{ type: 0xffff5453, bytes: 0x180 }]);
  });

  it('parses a valid MP15 image and reports its fields', () => {
    const info = parseStm32Image(buildStm32Image({ soc: 'STM32MP15', payload, entry: 0x2ffc2500 }), { file: 'tf-a.stm32' });
    expect(info).toMatchObject({ soc: 'STM32MP15', headerMajor: 1, headerBytes: 256, payloadBytes: 1000, entry: 0x2ffc2500, binaryType: 0x10 });
  });

  it('refuses a file that is not an STM32 image, naming the file and the magic', () => {
    const err = refusal(() => parseStm32Image(Buffer.alloc(400, 0x41), { file: 'u-boot.bin' }));
    expect(err.message).toMatch(/^u-boot\.bin: magic: /);
    expect(err.details).toEqual({ file: 'u-boot.bin', field: 'magic' });
  });

  it('refuses a flipped payload byte as a checksum mismatch', () => {
    const img = buildStm32Image({ soc: 'STM32MP15', payload });
    img[300] ^= 0x01;
    expect(refusal(() => parseStm32Image(img, { file: 'x.stm32' })).details.field).toBe('checksum (0x44)');
  });

  it('refuses a truncated file through the payload length', () => {
    const img = buildStm32Image({ soc: 'STM32MP15', payload }).subarray(0, 256 + 999);
    expect(refusal(() => parseStm32Image(img)).message).toContain('header says 1000 bytes, the file holds 999');
  });

  it('refuses a v1 image for an STM32MP13 board and a v2 image for an STM32MP15 board', () => {
    expect(refusal(() => parseStm32Image(buildStm32Image({ soc: 'STM32MP15', payload }), { soc: 'STM32MP13' })).details.field).toBe('header version');
    expect(refusal(() => parseStm32Image(buildStm32Image({ soc: 'STM32MP13', payload }), { soc: 'STM32MP15' })).details.field).toBe('header version');
  });

  it('refuses an unknown header version and non-zero reserved or padding fields', () => {
    const v3 = buildStm32Image({ soc: 'STM32MP15', payload });
    v3.writeUInt32LE(0x00030000, Stm32HeaderOffset.VERSION);
    expect(refusal(() => parseStm32Image(v3)).details.field).toBe('header version');
    const minor = buildStm32Image({ soc: 'STM32MP13', payload });
    minor.writeUInt32LE(0x00020200, Stm32HeaderOffset.VERSION); // an STM32MP25 header
    expect(refusal(() => parseStm32Image(minor)).details.field).toBe('header version');
    const padding = buildStm32Image({ soc: 'STM32MP15', payload });
    padding[0xc0] = 1;
    expect(refusal(() => parseStm32Image(padding)).details.field).toBe('padding (0xac..0xfe)');
    const reserved = buildStm32Image({ soc: 'STM32MP15', payload });
    reserved.writeUInt32LE(1, Stm32HeaderOffset.RESERVED2);
    expect(refusal(() => parseStm32Image(reserved)).details.field).toBe('reserved2 (0x5c)');
  });

  it('refuses v2 extension headers that overrun their declared length', () => {
    const img = buildStm32Image({ soc: 'STM32MP13', payload });
    img.writeUInt32LE(0x200, 0x84);
    expect(refusal(() => parseStm32Image(img)).details.field).toBe('extension headers');
  });

  it('refuses an FSBL bigger than the ROM loads (247 KiB on MP15, 128 KiB on MP13)', () => {
    const big15 = buildStm32Image({ soc: 'STM32MP15', payload: Buffer.alloc(FSBL_MAX_BYTES.STM32MP15 - 255) });
    expect(refusal(() => parseStm32Image(big15)).details.field).toBe('size');
    expect(() => parseStm32Image(buildStm32Image({ soc: 'STM32MP15', payload: Buffer.alloc(FSBL_MAX_BYTES.STM32MP15 - 256) }))).not.toThrow();
    const big13 = buildStm32Image({ soc: 'STM32MP13', payload: Buffer.alloc(FSBL_MAX_BYTES.STM32MP13 - 511) });
    expect(refusal(() => parseStm32Image(big13)).message).toContain('128 KiB');
  });

  it('refuses random bytes and every truncation of a valid image without crashing', () => {
    const img = buildStm32Image({ soc: 'STM32MP13', payload: payload.subarray(0, 40) });
    for (let n = 0; n < img.length; n += 7) refusal(() => parseStm32Image(img.subarray(0, n)));
    let seed = 1;
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 300 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
      junk.write('STM2', 0, 'latin1');
      refusal(() => parseStm32Image(junk));
    }
  });
});
