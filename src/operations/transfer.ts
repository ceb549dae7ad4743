import { TimeoutError } from '../errors.js';
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
 * with the same number by the link; any other failure ends the transfer, except that with
 * `restartOnTimeout` a packet whose answer never came restarts the transfer from packet 0 (bounded):
 * after a lost byte the device may have stored a packet shifted by one byte (see Link.download), and
 * only rewriting from the start makes its buffer known again. That is safe for U-Boot's OTP and PMIC
 * targets, where packet 0 resets the cursor and nothing is programmed before Start.
 */
export async function downloadBuffer(
  link: Link,
  op: number,
  data: Uint8Array,
  onProgress?: (p: TransferProgress) => void,
  options: { restartOnTimeout?: number } = {},
): Promise<void> {
  const total = data.length;
  for (let restarts = 0; ; restarts++) {
    try {
      for (let packet = 0, at = 0; at < total; packet++, at += MAX_PACKET_BYTES) {
        const chunk = data.subarray(at, Math.min(total, at + MAX_PACKET_BYTES));
        await link.download(op, packet, chunk);
        onProgress?.({ sent: at + chunk.length, total, packet });
      }
      return;
    } catch (err) {
      if (!(err instanceof TimeoutError) || restarts >= (options.restartOnTimeout ?? 0)) throw err;
    }
  }
}
