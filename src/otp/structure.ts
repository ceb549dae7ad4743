import { InputError } from '../errors.js';
import type { SocFamily } from '../protocol/constants.js';
import { KNOWN_STRUCTURE_SIZES, OTP_LAYOUTS, OTP_SIZE_SMC, OTP_STRUCT_VERSION, structureSize } from './layout.js';
import { statusFlags, type StatusFlag } from './status.js';

export interface OtpWord {
  id: number;
  value: number;
  status: number;
  flags: StatusFlag[];
}

/** A decoded OTP structure version 2 (shared/spec/otp-structure.md "Layout"). */
export interface OtpStructure {
  version: number;
  globalState: number;
  words: OtpWord[];
}

function u32(n: number): number {
  return n >>> 0;
}

/**
 * Decodes the bytes of partition 0xF2. Accepts the 776-byte structure of both MP1 families and the
 * 1024-byte SP_MIN partition (same layout, zero padding after 776 bytes: the padding is dropped).
 */
export function decodeOtpStructure(bytes: Uint8Array, options: { soc?: SocFamily } = {}): OtpStructure {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length % 4 !== 0) {
    throw new InputError('OTP_ALIGN', `an OTP structure is a whole number of 32-bit words; ${buf.length} bytes is not (expected ${KNOWN_STRUCTURE_SIZES.join(' or ')} bytes)`, {
      details: { size: buf.length },
    });
  }
  const expected = options.soc ? OTP_LAYOUTS[options.soc].size : undefined;
  let size = buf.length;
  if (size === OTP_SIZE_SMC && (expected ?? 776) === 776) size = 776;
  const valid = expected !== undefined ? size === expected : KNOWN_STRUCTURE_SIZES.includes(size);
  if (!valid) {
    const want = expected !== undefined ? `${expected} bytes for ${options.soc}` : `${KNOWN_STRUCTURE_SIZES.join(' or ')} bytes (STM32MP15/STM32MP13: 96 words)`;
    throw new InputError('OTP_SIZE', `${buf.length} bytes matches no OTP structure: expected ${want}`, { details: { size: buf.length } });
  }
  const version = buf.readUInt32LE(0);
  if (version !== OTP_STRUCT_VERSION) {
    throw new InputError(
      'OTP_VERSION',
      `OTP structure version ${version} is not supported: versions 1 (ecosystem v3.1.0 and older, no longer used) and 2 exist, and only version 2 is supported`,
      { details: { version } },
    );
  }
  const count = size / 8 - 1;
  const words: OtpWord[] = new Array(count);
  for (let m = 0; m < count; m++) {
    const value = buf.readUInt32LE(8 + 8 * m);
    const status = buf.readUInt32LE(12 + 8 * m);
    words[m] = { id: m, value, status, flags: statusFlags(status) };
  }
  return { version, globalState: buf.readUInt32LE(4), words };
}

/** Encodes a structure to its bytes; the exact inverse of decode for every valid structure. */
export function encodeOtpStructure(s: OtpStructure): Buffer {
  const buf = Buffer.alloc(structureSize(s.words.length));
  buf.writeUInt32LE(u32(s.version), 0);
  buf.writeUInt32LE(u32(s.globalState), 4);
  s.words.forEach((w, m) => {
    buf.writeUInt32LE(u32(w.value), 8 + 8 * m);
    buf.writeUInt32LE(u32(w.status), 12 + 8 * m);
  });
  return buf;
}

/** An all-zero structure (version 2) for a SoC: the base of a write request. */
export function emptyOtpStructure(soc: SocFamily): OtpStructure {
  const n = OTP_LAYOUTS[soc].words;
  return {
    version: OTP_STRUCT_VERSION,
    globalState: 0,
    words: Array.from({ length: n }, (_, id) => ({ id, value: 0, status: 0, flags: [] })),
  };
}
