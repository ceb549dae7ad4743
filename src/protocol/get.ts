import { Command, commandName } from './constants.js';
import { retryIdempotent, type CommandSpec } from './command-spec.js';
import { hex8, protocolError } from './frame.js';

/**
 * Get (0x00): `← N  version  N command codes  79` (an5275-uart.md "Get"). U-Boot lists 8 commands,
 * the ROM code and TF-A 6 (no Read Memory, no Read Partition; serial-boot.md).
 */
export interface GetAnswer {
  protocolVersion: number;
  commands: number[];
}

/** `body` = the N+1 bytes after the count byte. */
export function decodeGet(body: Buffer): GetAnswer {
  if (body.length < 1) throw protocolError('Get answered no protocol version', { bodyHex: body.toString('hex') });
  return { protocolVersion: body[0]!, commands: [...body.subarray(1)] };
}

export const getSpec: CommandSpec<[], GetAnswer> = {
  code: Command.GET,
  name: 'Get',
  timeoutMs: 1000,
  retry: retryIdempotent,
  describe: () => ({}),
  async exchange(io) {
    const [count] = await io.read(1, 'count');
    const body = await io.read(count! + 1, 'version and commands');
    await io.expectAck('the end of Get');
    return decodeGet(body);
  },
  summarize: (r) => ({ protocolVersion: hex8(r.protocolVersion), commands: r.commands.map(commandName) }),
};
