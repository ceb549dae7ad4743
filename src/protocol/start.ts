import { Command } from './constants.js';
import { neverRetry, type CommandSpec } from './command-spec.js';
import { encodeAddress, hex32 } from './frame.js';

/**
 * Start (0x21): `→ A3..A0 X ← 79|5F|1F` (an5275-uart.md "Start"). Never retried: it programs the OTP
 * (0xF2), the PMIC NVM (0xF4), ends a partition or jumps to code. Start 0xF2 is one secure call for all
 * requested words, so its answer gets a long deadline.
 */
export const startSpec: CommandSpec<[address: number], void> = {
  code: Command.START,
  name: 'Start',
  timeoutMs: 5000,
  retry: neverRetry,
  describe: (address) => ({ address: hex32(address) }),
  async exchange(io, address) {
    const frame = encodeAddress(address);
    await io.send(frame, 'address', { address: hex32(address), checksum: frame[4] });
    await io.expectAck('the address');
  },
};
