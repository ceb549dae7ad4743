import { InputError } from '../errors.js';
import type { SocFamily } from '../protocol/constants.js';

/**
 * The STM32 image header the ROM code checks before it jumps to the FSBL (serial-boot.md "The STM32
 * image header"; TF-A `tools/stm32image/stm32image.c`, U-Boot `tools/stm32image.c`). Little-endian.
 * The ROM's answer to a bad image is undocumented, so the host checks every field before sending.
 */

/** "STM2" read as a little-endian u32 (bytes 53 54 4D 32). */
export const STM32_MAGIC = 0x324d5453;

/** Byte offsets of the fields common to v1 and v2, then the version-specific ones. */
export const Stm32HeaderOffset = {
  MAGIC: 0x00,
  SIGNATURE: 0x04,
  CHECKSUM: 0x44,
  VERSION: 0x48,
  LENGTH: 0x4c,
  ENTRY: 0x50,
  RESERVED1: 0x54,
  LOAD_ADDRESS: 0x58,
  RESERVED2: 0x5c,
  IMAGE_VERSION: 0x60,
  V1_OPTION_FLAGS: 0x64,
  V1_ECDSA_ALGORITHM: 0x68,
  V1_PADDING: 0xac,
  V1_BINARY_TYPE: 0xff,
  V2_EXTENSION_FLAGS: 0x64,
  V2_EXTENSION_LENGTH: 0x68,
  V2_BINARY_TYPE: 0x6c,
  V2_PADDING: 0x70,
  V2_EXTENSIONS: 0x80,
} as const;

/** Header v1 is 256 bytes (MP15); v2 is 0x80 bytes plus its extension headers (MP13). */
export const STM32_HEADER_V1_BYTES = 0x100;
export const STM32_HEADER_V2_BASE_BYTES = 0x80;

/** Header major version each SoC's ROM expects (the version field's byte 2). */
export const HEADER_MAJOR_FOR_SOC = { STM32MP15: 1, STM32MP13: 2 } as const satisfies Record<SocFamily, number>;

/** Largest FSBL the ROM loads into SYSRAM (ST wiki, ROM code overview; serial-boot.md stage 1). */
export const FSBL_MAX_BYTES = { STM32MP15: 247 * 1024, STM32MP13: 128 * 1024 } as const satisfies Record<SocFamily, number>;

/** Extension header types (v2): "ST" + type in the top half, little-endian u32. */
export const Stm32Extension = {
  DECRYPTION: 0x01005453,
  AUTHENTICATION: 0x02005453,
  PADDING: 0xffff5453,
} as const;

/** TF-A's unsigned MP13 image carries one padding extension of this length (stm32image.c). */
export const PADDING_EXTENSION_BYTES = 0x180;
const EXTENSION_FLAG_PADDING = 0x8000_0000;

/** Binary type TF-A's BL2 is built with (serial-boot.md header table). */
export const BINARY_TYPE_TFA_BL2 = 0x10;

export interface Stm32ImageInfo {
  soc: SocFamily;
  headerMajor: 1 | 2;
  /** Bytes before the payload (256 for v1; 0x80 + the extensions for v2). */
  headerBytes: number;
  payloadBytes: number;
  checksum: number;
  entry: number;
  loadAddress: number;
  imageVersion: number;
  binaryType: number;
  /** v2 only. */
  extensions: { type: number; bytes: number }[];
}

export interface ParseStm32Options {
  /** Named in error messages (the file path). */
  file?: string;
  /** The SoC the image must be built for; without it the header version decides. */
  soc?: SocFamily;
}

/** 32-bit sum of the bytes, each 0..255, overflow discarded (the ROM's checksum). */
export function stm32Checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]!) >>> 0;
  return sum;
}

export function isStm32Image(buf: Uint8Array): boolean {
  return buf.length >= 4 && Buffer.from(buf.buffer, buf.byteOffset, 4).readUInt32LE(0) === STM32_MAGIC;
}

/**
 * Parses and validates an STM32 image (header + payload), the way the ROM will: magic, header version
 * for the SoC, reserved fields, extension headers, payload length against the file size, checksum,
 * and the ROM's size limit. Throws InputError IMAGE_INVALID naming the file and the field.
 */
export function parseStm32Image(buf: Buffer, options: ParseStm32Options = {}): Stm32ImageInfo {
  const file = options.file ?? 'image';
  const fail = (field: string, what: string): never => {
    throw new InputError('IMAGE_INVALID', `${file}: ${field}: ${what}`, { details: { file, field } });
  };
  const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

  if (buf.length < STM32_HEADER_V2_BASE_BYTES) fail('header', `the file is ${buf.length} bytes, too short for an STM32 image header`);
  if (buf.readUInt32LE(Stm32HeaderOffset.MAGIC) !== STM32_MAGIC) {
    fail('magic', `expected "STM2" (53 54 4d 32), found ${buf.subarray(0, 4).toString('hex')}: not an STM32 image (made with stm32image / the TF-A build?)`);
  }
  const versionField = buf.readUInt32LE(Stm32HeaderOffset.VERSION);
  // The MP1 ROMs know v1.0 (MP15) and v2.0 (MP13) only; v2.2 and later are STM32MP2 headers.
  if (versionField !== 0x00010000 && versionField !== 0x00020000) fail('header version', `${hex(versionField)} is neither v1 (0x00010000) nor v2 (0x00020000)`);
  const major = versionField >>> 16;
  const soc: SocFamily = major === 1 ? 'STM32MP15' : 'STM32MP13';
  if (options.soc && HEADER_MAJOR_FOR_SOC[options.soc] !== major) {
    fail('header version', `v${major} header (${soc}) but the board is ${options.soc}, whose ROM expects v${HEADER_MAJOR_FOR_SOC[options.soc]}`);
  }
  if (buf.readUInt32LE(Stm32HeaderOffset.RESERVED1) !== 0) fail('reserved1 (0x54)', `must be 0, found ${hex(buf.readUInt32LE(Stm32HeaderOffset.RESERVED1))}`);
  if (buf.readUInt32LE(Stm32HeaderOffset.RESERVED2) !== 0) fail('reserved2 (0x5c)', `must be 0, found ${hex(buf.readUInt32LE(Stm32HeaderOffset.RESERVED2))}`);

  let headerBytes: number = STM32_HEADER_V1_BYTES;
  let binaryType: number;
  const extensions: { type: number; bytes: number }[] = [];
  if (major === 1) {
    if (buf.length < STM32_HEADER_V1_BYTES) fail('header', `the file is ${buf.length} bytes, shorter than the 256-byte v1 header`);
    binaryType = buf[Stm32HeaderOffset.V1_BINARY_TYPE]!;
    if (buf.subarray(Stm32HeaderOffset.V1_PADDING, Stm32HeaderOffset.V1_BINARY_TYPE).some((b) => b !== 0)) fail('padding (0xac..0xfe)', 'must be 0');
  } else {
    if (buf.subarray(Stm32HeaderOffset.V2_PADDING, Stm32HeaderOffset.V2_EXTENSIONS).some((b) => b !== 0)) fail('padding (0x70..0x7f)', 'must be 0');
    binaryType = buf.readUInt32LE(Stm32HeaderOffset.V2_BINARY_TYPE);
    const extLength = buf.readUInt32LE(Stm32HeaderOffset.V2_EXTENSION_LENGTH);
    headerBytes = STM32_HEADER_V2_BASE_BYTES + extLength;
    if (headerBytes > buf.length) fail('extension headers length (0x68)', `${extLength} bytes of extension headers run past the end of the ${buf.length}-byte file`);
    // Walk the chain: each extension is type u32, length u32 (itself included), parameters.
    let at: number = Stm32HeaderOffset.V2_EXTENSIONS;
    while (at < headerBytes) {
      if (headerBytes - at < 8) fail('extension headers', `${headerBytes - at} stray byte(s) at 0x${at.toString(16)}, too short for an extension header`);
      const type = buf.readUInt32LE(at);
      const bytes = buf.readUInt32LE(at + 4);
      if (bytes < 8 || at + bytes > headerBytes) fail('extension headers', `extension ${hex(type)} at 0x${at.toString(16)} has length ${bytes}, outside the ${extLength} bytes declared`);
      extensions.push({ type, bytes });
      at += bytes;
    }
    const flags = buf.readUInt32LE(Stm32HeaderOffset.V2_EXTENSION_FLAGS);
    const hasPadding = extensions.some((e) => e.type === Stm32Extension.PADDING);
    if (hasPadding !== ((flags & EXTENSION_FLAG_PADDING) !== 0)) {
      fail('extension flags (0x64)', `padding flag (bit 31) is ${hasPadding ? 'clear' : 'set'} but a padding extension is ${hasPadding ? '' : 'not '}present`);
    }
  }

  const payloadBytes = buf.readUInt32LE(Stm32HeaderOffset.LENGTH);
  if (payloadBytes !== buf.length - headerBytes) {
    fail('payload length (0x4c)', `header says ${payloadBytes} bytes, the file holds ${buf.length - headerBytes} after the ${headerBytes}-byte header (truncated or padded file?)`);
  }
  const expected = buf.readUInt32LE(Stm32HeaderOffset.CHECKSUM);
  const actual = stm32Checksum(buf.subarray(headerBytes));
  if (expected !== actual) fail('checksum (0x44)', `header says ${hex(expected)}, the payload sums to ${hex(actual)} (corrupted file?)`);

  const limit = FSBL_MAX_BYTES[options.soc ?? soc];
  if (buf.length > limit) fail('size', `${buf.length} bytes, more than the ${limit / 1024} KiB the ${options.soc ?? soc} ROM code loads`);

  return {
    soc,
    headerMajor: major as 1 | 2,
    headerBytes,
    payloadBytes,
    checksum: expected,
    entry: buf.readUInt32LE(Stm32HeaderOffset.ENTRY),
    loadAddress: buf.readUInt32LE(Stm32HeaderOffset.LOAD_ADDRESS),
    imageVersion: buf.readUInt32LE(Stm32HeaderOffset.IMAGE_VERSION),
    binaryType,
    extensions,
  };
}

export interface BuildStm32Options {
  soc: SocFamily;
  payload: Uint8Array;
  /** Entry point in SYSRAM; default: the start of the ROM's download area plus the header. */
  entry?: number;
  loadAddress?: number;
  binaryType?: number;
  imageVersion?: number;
}

/** SYSRAM addresses the ROM reports in Get Phase for phase 0x01 (serial-boot.md stage 1). */
const SYSRAM_DOWNLOAD = { STM32MP15: 0x2ffc2400, STM32MP13: 0x2ffdfe00 } as const satisfies Record<SocFamily, number>;

/**
 * Builds an unsigned STM32 image as TF-A's stm32image tool lays it out: v1 (256-byte header) for
 * MP15, v2 with one 0x180-byte padding extension (512-byte header) for MP13. Used by tests and the
 * emulator's tests to make valid FSBLs.
 */
export function buildStm32Image(options: BuildStm32Options): Buffer {
  const v1 = options.soc === 'STM32MP15';
  const headerBytes = v1 ? STM32_HEADER_V1_BYTES : STM32_HEADER_V2_BASE_BYTES + PADDING_EXTENSION_BYTES;
  const out = Buffer.alloc(headerBytes + options.payload.length);
  Buffer.from(options.payload).copy(out, headerBytes);
  const load = options.loadAddress ?? SYSRAM_DOWNLOAD[options.soc] + headerBytes;
  out.writeUInt32LE(STM32_MAGIC, Stm32HeaderOffset.MAGIC);
  out.writeUInt32LE(stm32Checksum(options.payload), Stm32HeaderOffset.CHECKSUM);
  out.writeUInt32LE((v1 ? 1 : 2) << 16, Stm32HeaderOffset.VERSION);
  out.writeUInt32LE(options.payload.length, Stm32HeaderOffset.LENGTH);
  out.writeUInt32LE(options.entry ?? load, Stm32HeaderOffset.ENTRY);
  out.writeUInt32LE(load, Stm32HeaderOffset.LOAD_ADDRESS);
  out.writeUInt32LE(options.imageVersion ?? 0, Stm32HeaderOffset.IMAGE_VERSION);
  const binaryType = options.binaryType ?? BINARY_TYPE_TFA_BL2;
  if (v1) {
    out.writeUInt32LE(1, Stm32HeaderOffset.V1_OPTION_FLAGS); // bit 0: no signature check
    out.writeUInt32LE(1, Stm32HeaderOffset.V1_ECDSA_ALGORITHM); // what the tools write (P-256)
    out[Stm32HeaderOffset.V1_BINARY_TYPE] = binaryType & 0xff;
  } else {
    out.writeUInt32LE(EXTENSION_FLAG_PADDING, Stm32HeaderOffset.V2_EXTENSION_FLAGS);
    out.writeUInt32LE(PADDING_EXTENSION_BYTES, Stm32HeaderOffset.V2_EXTENSION_LENGTH);
    out.writeUInt32LE(binaryType >>> 0, Stm32HeaderOffset.V2_BINARY_TYPE);
    out.writeUInt32LE(Stm32Extension.PADDING, Stm32HeaderOffset.V2_EXTENSIONS);
    out.writeUInt32LE(PADDING_EXTENSION_BYTES, Stm32HeaderOffset.V2_EXTENSIONS + 4);
  }
  return out;
}
