import { Command, phaseName } from './constants.js';
import { retryOnNack, type CommandSpec } from './command-spec.js';
import { hex32, protocolError } from './frame.js';

/**
 * Get Phase (0x03): `← 5+L  PH  A0 A1 A2 A3  L  info[L]  79`, the address LITTLE-endian (unlike
 * everything the host sends). L is read from the wire: the ROM sends L = 1 and one 0x00 byte
 * (serial-boot.md "Stage 1"), U-Boot sends the error text in phase 0xFF.
 *
 * Not retried after a timeout: in phase 0xFF the device resets right after answering
 * (`get_phase_command` → `stm32prog_do_reset`), so a second ask would meet a rebooting board.
 */
export interface GetPhaseAnswer {
  phase: number;
  address: number;
  info: Buffer;
}

/** `body` = the 5+L+1 bytes after the count byte; `count` = that count byte (5+L). */
export function decodeGetPhase(count: number, body: Buffer): GetPhaseAnswer {
  if (body.length < 6) throw protocolError(`Get Phase answered ${body.length} bytes, expected at least 6`, { bodyHex: body.toString('hex') });
  const infoLength = body[5]!;
  if (count !== 5 + infoLength || body.length !== 6 + infoLength) {
    throw protocolError(`Get Phase count byte ${count} does not match info length ${infoLength} (expected 5 + L)`, { count, infoLength });
  }
  return { phase: body[0]!, address: body.readUInt32LE(1), info: Buffer.from(body.subarray(6)) };
}

export const getPhaseSpec: CommandSpec<[], GetPhaseAnswer> = {
  code: Command.GET_PHASE,
  name: 'Get Phase',
  timeoutMs: 1000,
  retry: retryOnNack,
  describe: () => ({}),
  async exchange(io) {
    const [count] = await io.read(1, 'count (5 + L)');
    const head = await io.read(6, 'phase, address, info length');
    const info = await io.read(head[5]!, 'info');
    await io.expectAck('the end of Get Phase');
    return decodeGetPhase(count!, Buffer.concat([head, info]));
  },
  summarize: (r) => ({ phase: phaseName(r.phase), address: hex32(r.address), info: r.info.toString('latin1') }),
};
