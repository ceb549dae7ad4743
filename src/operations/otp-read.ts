import { AbortError, LinkError } from '../errors.js';
import type { Link } from '../link/link.js';
import { MAX_PACKET_BYTES, Phase, socFromProductId, type SocFamily } from '../protocol/constants.js';
import { OTP_LAYOUTS } from '../otp/layout.js';
import { decodeOtpStructure, type OtpStructure } from '../otp/structure.js';
import { silentLogger, type Logger } from '../util/logger.js';

export interface OtpReadResult {
  soc: SocFamily;
  /** The structure bytes exactly as read (776 for STM32MP1). */
  bytes: Buffer;
  structure: OtpStructure;
}

export interface OtpReadOptions {
  /** Skip Get ID when the SoC is already known (e.g. after info). */
  soc?: SocFamily;
  logger?: Logger;
  onProgress?: (p: { read: number; total: number }) => void;
}

/** Get ID → the SoC, whose structure size the read follows. */
export async function identifySoc(link: Link): Promise<SocFamily> {
  const id = await link.getId();
  const soc = socFromProductId(id);
  if (!soc) {
    throw new LinkError('NOT_SUPPORTED', `the board answered product id 0x${id.toString(16)}: only STM32MP15 (0x500) and STM32MP13 (0x501) are supported`, {
      details: { productId: id },
    });
  }
  return soc;
}

/**
 * Reads the whole OTP structure from partition 0xF2: offset 0 first (U-Boot refreshes its copy from
 * the secure world there, an5275-uart.md "Read Partition"), then the following chunks in order,
 * ≤ 256 bytes each. The bytes are decoded and validated before they are returned.
 */
export async function readOtp(link: Link, options: OtpReadOptions = {}): Promise<OtpReadResult> {
  const log = options.logger ?? silentLogger;
  const soc = options.soc ?? (await identifySoc(link));
  const total = OTP_LAYOUTS[soc].size;
  const bytes = Buffer.alloc(total);
  log.trace({ step: 'read-otp', soc, bytes: total }, 'reading the OTP structure (partition 0xF2)');
  for (let offset = 0; offset < total; offset += MAX_PACKET_BYTES) {
    const length = Math.min(MAX_PACKET_BYTES, total - offset);
    let chunk: Buffer;
    try {
      chunk = await link.readPartition(Phase.OTP, offset, length);
    } catch (err) {
      if (err instanceof AbortError && offset === 0) {
        // OP-TEE refuses the BSEC service on a closed device (otp-structure.md "Global state").
        throw new LinkError('OTP_UNAVAILABLE', 'OTP partition not available (closed device?): the board aborted the read of partition 0xF2', { cause: err });
      }
      throw err;
    }
    chunk.copy(bytes, offset);
    options.onProgress?.({ read: offset + length, total });
  }
  return { soc, bytes, structure: decodeOtpStructure(bytes, { soc }) };
}
