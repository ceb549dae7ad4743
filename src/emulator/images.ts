import type { SocFamily } from '../protocol/constants.js';

/** "STM2" little-endian (shared/spec/serial-boot.md "The STM32 image header"). */
const STM32_MAGIC = 0x324d5453;
const HEADER_V1 = 0x00010000;
const HEADER_V2 = 0x00020000;

/** Largest FSBL the ROM code takes (ST wiki, ROM code overview): 247 KiB MP15, 128 KiB MP13. */
export const FSBL_MAX_BYTES: Readonly<Record<SocFamily, number>> = {
  STM32MP15: 247 * 1024,
  STM32MP13: 128 * 1024,
};

/**
 * The ROM code's check of a downloaded FSBL (the ROM is closed: this follows the header layout of
 * serial-boot.md): magic, header version of the SoC (v1 MP15, v2 MP13), reserved and padding zero,
 * payload within what was received, 32-bit byte-sum checksum, size limit. Returns why it is bad, or
 * undefined when it is good.
 */
export function checkFsbl(soc: SocFamily, image: Buffer): string | undefined {
  if (image.length > FSBL_MAX_BYTES[soc]) return `image of ${image.length} bytes exceeds ${FSBL_MAX_BYTES[soc]}`;
  if (image.length < 256) return `image of ${image.length} bytes is shorter than a header`;
  if (image.readUInt32LE(0) !== STM32_MAGIC) return 'no STM32 header magic';
  const version = image.readUInt32LE(0x48);
  const v1 = soc === 'STM32MP15';
  if (version !== (v1 ? HEADER_V1 : HEADER_V2)) return `header version 0x${version.toString(16)} is not ${v1 ? 'v1' : 'v2'}`;
  if (image.readUInt32LE(0x54) !== 0 || image.readUInt32LE(0x5c) !== 0) return 'reserved header fields are not zero';
  const padding = v1 ? image.subarray(0xac, 0xff) : image.subarray(0x70, 0x80);
  if (padding.some((b) => b !== 0)) return 'header padding is not zero';
  const payloadOffset = v1 ? 256 : 0x80 + image.readUInt32LE(0x68);
  const length = image.readUInt32LE(0x4c);
  if (payloadOffset + length > image.length) return `payload of ${length} bytes at 0x${payloadOffset.toString(16)} is beyond the ${image.length} bytes received`;
  let sum = 0;
  for (let i = payloadOffset; i < payloadOffset + length; i++) sum = (sum + image[i]!) >>> 0;
  const expected = image.readUInt32LE(0x44);
  if (sum !== expected) return `checksum 0x${sum.toString(16)} expected 0x${expected.toString(16)}`;
  return undefined;
}

/** FIP ToC header name (TF-A `TOC_HEADER_NAME`). */
export const FIP_TOC_NAME = 0xaa640001;

/** TF-A `is_valid_header`: ToC name at offset 0 and a non-zero serial number at offset 4. */
export function isFipHeader(buffer: Buffer): boolean {
  return buffer.length >= 8 && buffer.readUInt32LE(0) === FIP_TOC_NAME && buffer.readUInt32LE(4) !== 0;
}
