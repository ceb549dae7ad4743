import { Command } from './constants.js';
import { retryIdempotent, type CommandSpec } from './command-spec.js';
import { protocolError } from './frame.js';

/** Get ID (0x02): `← 01 PP pp 79`, the product id big-endian (0x500 MP15, 0x501 MP13). */
export function decodeGetId(body: Buffer): number {
  if (body.length < 1 || body.length > 4) throw protocolError(`Get ID answered ${body.length} id bytes`, { bodyHex: body.toString('hex') });
  return body.readUIntBE(0, body.length);
}

export const getIdSpec: CommandSpec<[], number> = {
  code: Command.GET_ID,
  name: 'Get ID',
  timeoutMs: 1000,
  retry: retryIdempotent,
  describe: () => ({}),
  async exchange(io) {
    const [count] = await io.read(1, 'count');
    const body = await io.read(count! + 1, 'product id');
    await io.expectAck('the end of Get ID');
    return decodeGetId(body);
  },
  summarize: (id) => ({ productId: `0x${id.toString(16)}` }),
};
