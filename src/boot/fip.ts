import { InputError } from '../errors.js';

/**
 * The Firmware Image Package TF-A takes in phase 0x03 (serial-boot.md stage 2; TF-A
 * `include/tools_share/firmware_image_package.h`). On Start 0xFFFFFFFF TF-A only checks the ToC
 * header (name, non-zero serial number) and answers NACK + phase 0xFF otherwise; the host also walks
 * the ToC so that a truncated file is refused before it is sent.
 *
 * ToC header: name u32, serial number u32, flags u64. Then 40-byte entries: UUID (16), offset u64,
 * size u64, flags u64 — ended by an entry whose UUID is all zero. Little-endian.
 */
export const FIP_TOC_NAME = 0xaa640001;
export const FIP_TOC_HEADER_BYTES = 16;
export const FIP_TOC_ENTRY_BYTES = 40;

/** fiptool's default serial number (any non-zero value passes TF-A's check). */
const FIPTOOL_SERIAL = 0x12345678;

/** UUID of the non-trusted firmware (BL33, U-Boot), the entry buildFip makes. */
const UUID_BL33 = Buffer.from('d6d0eea7fcead54b97829934f234b6e4', 'hex');

export interface FipEntry {
  uuid: string;
  offset: number;
  bytes: number;
}

export interface FipInfo {
  serialNumber: number;
  entries: FipEntry[];
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Validates a FIP's ToC (InputError IMAGE_INVALID naming the file and the field). */
export function checkFipHeader(buf: Buffer, file = 'FIP'): FipInfo {
  const fail = (field: string, what: string): never => {
    throw new InputError('IMAGE_INVALID', `${file}: ${field}: ${what}`, { details: { file, field } });
  };
  if (buf.length < FIP_TOC_HEADER_BYTES) fail('ToC header', `the file is ${buf.length} bytes, too short for a FIP`);
  const name = buf.readUInt32LE(0);
  if (name !== FIP_TOC_NAME) {
    fail('ToC name', `expected 0xaa640001 (bytes 01 00 64 aa), found ${buf.subarray(0, 4).toString('hex')}: not a FIP (an STM32 image of U-Boot instead? TF-A takes fip.bin)`);
  }
  const serialNumber = buf.readUInt32LE(4);
  if (serialNumber === 0) fail('ToC serial number', 'is 0; TF-A refuses a FIP whose serial number is 0');
  const entries: FipEntry[] = [];
  for (let at = FIP_TOC_HEADER_BYTES; ; at += FIP_TOC_ENTRY_BYTES) {
    if (at + FIP_TOC_ENTRY_BYTES > buf.length) fail('ToC', `no end-of-ToC entry (all-zero UUID) before the end of the ${buf.length}-byte file (truncated?)`);
    const uuid = buf.subarray(at, at + 16);
    if (uuid.every((b) => b === 0)) break;
    const offset = Number(buf.readBigUInt64LE(at + 16));
    const bytes = Number(buf.readBigUInt64LE(at + 24));
    if (offset + bytes > buf.length) {
      fail('ToC entry', `${formatUuid(uuid)} spans 0x${offset.toString(16)}..0x${(offset + bytes).toString(16)}, past the end of the ${buf.length}-byte file (truncated?)`);
    }
    entries.push({ uuid: formatUuid(uuid), offset, bytes });
  }
  return { serialNumber, entries };
}

/** A minimal FIP: ToC header, one BL33 entry holding `payload`, the end marker, then the payload. */
export function buildFip(payload: Uint8Array, options: { serialNumber?: number } = {}): Buffer {
  const dataAt = FIP_TOC_HEADER_BYTES + 2 * FIP_TOC_ENTRY_BYTES;
  const out = Buffer.alloc(dataAt + payload.length);
  out.writeUInt32LE(FIP_TOC_NAME, 0);
  out.writeUInt32LE(options.serialNumber ?? FIPTOOL_SERIAL, 4);
  const entry = FIP_TOC_HEADER_BYTES;
  UUID_BL33.copy(out, entry);
  out.writeBigUInt64LE(BigInt(dataAt), entry + 16);
  out.writeBigUInt64LE(BigInt(payload.length), entry + 24);
  Buffer.from(payload).copy(out, dataAt);
  return out;
}
