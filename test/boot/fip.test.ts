import { describe, expect, it } from 'vitest';
import { buildFip, checkFipHeader } from '../../src/boot/fip.js';
import { buildStm32Image } from '../../src/boot/stm32-image.js';
import { InputError } from '../../src/errors.js';

function field(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('IMAGE_INVALID');
    return (err as InputError).details.field;
  }
  throw new Error('expected IMAGE_INVALID');
}

describe('FIP ToC check', () => {
  it('builds a FIP whose ToC header is name 0xAA640001, a non-zero serial, one entry and the end marker', () => {
    const fip = buildFip(Buffer.from('U-Boot'));
    expect(fip.subarray(0, 8).toString('hex')).toBe('010064aa78563412');
    expect(fip.length).toBe(16 + 40 + 40 + 6);
    expect(fip.readBigUInt64LE(16 + 16)).toBe(96n);
    expect(fip.readBigUInt64LE(16 + 24)).toBe(6n);
    expect(fip.subarray(56, 96).every((b) => b === 0)).toBe(true);
    expect(fip.subarray(96).toString()).toBe('U-Boot');
  });

  it('accepts the FIP it builds and lists its entry', () => {
    expect(checkFipHeader(buildFip(Buffer.alloc(300, 1)))).toEqual({
      serialNumber: 0x12345678,
      entries: [{ uuid: 'd6d0eea7-fcea-d54b-9782-9934f234b6e4', offset: 96, bytes: 300 }],
    });
  });

  it('refuses a serial number of zero, which TF-A rejects at Start', () => {
    expect(field(() => checkFipHeader(buildFip(Buffer.alloc(4), { serialNumber: 0 })))).toBe('ToC serial number');
  });

  it('refuses an STM32 image given as the SSBL (old U-Boot .stm32) by its ToC name', () => {
    expect(field(() => checkFipHeader(buildStm32Image({ soc: 'STM32MP15', payload: Buffer.alloc(64) }), 'u-boot.stm32'))).toBe('ToC name');
  });

  it('refuses a truncated FIP whose entry runs past the end of the file', () => {
    const fip = buildFip(Buffer.alloc(300, 1));
    expect(field(() => checkFipHeader(fip.subarray(0, fip.length - 1)))).toBe('ToC entry');
    expect(field(() => checkFipHeader(fip.subarray(0, 40)))).toBe('ToC');
    expect(field(() => checkFipHeader(fip.subarray(0, 8)))).toBe('ToC header');
  });
});
