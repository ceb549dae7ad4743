import { COMMAND_NAMES, Command, phaseName, Reply } from './constants.js';
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
 * Whether the length frame may follow the address without waiting for its ACK (`io.sendAhead`).
 * U-Boot's `read_partition_command` ACKs the address with a plain putc (no drain) and then reads the
 * length, so bytes sent ahead are read, not flushed. The one path where they are not read is a NACK
 * of a corrupted address (`goto error` → `stm32prog_serial_result`): the device flushes only what is
 * already in its FIFO, answers NACK and goes back to its loop, usually before the length has crossed
 * the line, and the two length bytes `N-1 ~(N-1)` are then read as a command — a real one when N-1
 * is a command code (N = 1, 2, 3, 4, 18, 19, 34, 50: Get Phase, for N = 4, would even reset a board
 * in phase 0xFF), and N-1 = 0x7F (N = 128) would be answered ACK like a sync, which the host's own
 * re-sync could take for its answer. Those lengths keep the lock-step exchange. Any other length is
 * an unknown code to the loop: `mdelay(3)`, flush, NACK, which the link's re-sync after the address
 * NACK absorbs (a NACK to a 0x7F is stale input to it). Should the flush catch N-1 alone, ~(N-1)
 * starts the loop and the next byte, the host's re-sync 0x7F, is its "complement": no command code
 * XOR 0x7F is 0xFF, so that is NACKed too.
 */
export function lengthMayGoAhead(length: number): boolean {
  return COMMAND_NAMES[length - 1] === undefined && length - 1 !== Reply.INIT;
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
    const ahead = io.sendAhead === true && lengthMayGoAhead(length);
    await io.send(addressFrame, 'partition and offset', { partition: hex8(partition), offset, checksum: addressFrame[5] });
    if (ahead) await io.send(lengthFrame, 'length', { length, sentAhead: true });
    await io.expectAck('the partition and offset');
    if (!ahead) await io.send(lengthFrame, 'length', { length });
    await io.expectAck('the length (start of data)');
    return io.read(length, 'data', { length });
  },
  summarize: (data) => ({ bytes: data.length }),
};
