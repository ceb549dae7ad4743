import { Command } from './constants.js';
import { retryIdempotent, type CommandSpec } from './command-spec.js';
import { encodeAddress, encodeLength, hex32 } from './frame.js';

/**
 * Read Memory (0x11), AN3155 form as U-Boot's `read_memory_command` runs it:
 * `→ A3..A0 X ← 79 → N-1 ~(N-1) ← 79 ← N bytes` (no trailing ACK). Not in the ROM or TF-A.
 */
export const readMemorySpec: CommandSpec<[address: number, length: number], Buffer> = {
  code: Command.READ_MEMORY,
  name: 'Read Memory',
  timeoutMs: 1000,
  retry: retryIdempotent,
  describe: (address, length) => ({ address: hex32(address), length }),
  async exchange(io, address, length) {
    const lengthFrame = encodeLength(length);
    const addressFrame = encodeAddress(address);
    await io.send(addressFrame, 'address', { address: hex32(address), checksum: addressFrame[4] });
    await io.expectAck('the address');
    await io.send(lengthFrame, 'length', { length });
    await io.expectAck('the length');
    return io.read(length, 'data', { length });
  },
  summarize: (data) => ({ bytes: data.length }),
};
