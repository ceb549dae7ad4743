import type { Link } from '../link/link.js';
import { MAX_PACKET_BYTES } from '../protocol/constants.js';

export interface TransferProgress {
  /** Bytes acknowledged so far. */
  sent: number;
  total: number;
  /** Number of the packet just acknowledged (0-based). */
  packet: number;
}

/**
 * Downloads a whole buffer to one target: packets of ≤ 256 bytes numbered from 0 (packet 0 resets
 * the device's write cursor), the last one carrying what is left, never padded — its N-1 tells the
 * length (an5275-uart.md "Download"; serial-boot.md stage 1). `op` is the address byte: 0x00 for the
 * current phase (ROM, TF-A, U-Boot's flashlayout), 0xF2 OTP, 0xF4 PMIC. A NACKed packet is re-sent
 * with the same number by the link; any other failure ends the transfer.
 */
export async function downloadBuffer(link: Link, op: number, data: Uint8Array, onProgress?: (p: TransferProgress) => void): Promise<void> {
  const total = data.length;
  for (let packet = 0, at = 0; at < total; packet++, at += MAX_PACKET_BYTES) {
    const chunk = data.subarray(at, Math.min(total, at + MAX_PACKET_BYTES));
    await link.download(op, packet, chunk);
    onProgress?.({ sent: at + chunk.length, total, packet });
  }
}
