import { Command, phaseName } from './constants.js';
import { retryIdempotent, type CommandSpec } from './command-spec.js';
import { encodeLength, hex8, xorChecksum } from './frame.js';

/** `ID O3 O2 O1 O0 X`: partition id, offset big-endian, XOR of the five bytes. */
export function encodePartitionAddress(partition: number, offset: number): Buffer {
  const out = Buffer.alloc(6);
  out[0] = partition & 0xff;
  out.writeUInt32BE(offset >>> 0, 1);
  out[5] = xorChecksum(out.subarray(0, 5));
  return out;
}

/**
 * Read Partition (0x12), an5275-uart.md "Read Partition":
 * `→ ID O3..O0 X ← 79 → N-1 ~(N-1) ← 79 + N bytes | 5F | 1F`. There is no ACK between the length and
 * the data: the single 0x79 starts the data answer. A read changes nothing on the device except that
 * offset 0 of the OTP partition refreshes U-Boot's copy, so it is safe to repeat.
 */
export const readPartitionSpec: CommandSpec<[partition: number, offset: number, length: number], Buffer> = {
  code: Command.READ_PARTITION,
  name: 'Read Partition',
  timeoutMs: 2000, // offset 0 of 0xF2 is a secure-world call before the answer
  retry: retryIdempotent,
  describe: (partition, offset, length) => ({ partition: `${hex8(partition)} ${phaseName(partition)}`, offset, length }),
  async exchange(io, partition, offset, length) {
    const lengthFrame = encodeLength(length);
    const addressFrame = encodePartitionAddress(partition, offset);
    await io.send(addressFrame, 'partition and offset', { partition: hex8(partition), offset, checksum: addressFrame[5] });
    await io.expectAck('the partition and offset');
    await io.send(lengthFrame, 'length', { length });
    await io.expectAck('the length (start of data)');
    return io.read(length, 'data', { length });
  },
  summarize: (data) => ({ bytes: data.length }),
};
