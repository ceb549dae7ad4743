import { Command, Reply } from './constants.js';
import { retryIdempotent, type CommandSpec } from './command-spec.js';
import { checkAck, formatVersion } from './frame.js';

/**
 * Get Version (0x01). U-Boot and TF-A: `← VV 79`. The MP1 ROM code: `← 10 00 00 79`, two option
 * bytes AN3155-style (serial-boot.md "Stage 1"). So after the version the next byte decides: ACK →
 * done; anything else is option byte 1, then option byte 2 and the ACK follow. Never waits for bytes
 * that will not come, whichever stage answers.
 */
export interface GetVersionAnswer {
  version: number;
  /** Empty except on the ROM code. */
  optionBytes: Buffer;
}

export const getVersionSpec: CommandSpec<[], GetVersionAnswer> = {
  code: Command.GET_VERSION,
  name: 'Get Version',
  timeoutMs: 1000,
  retry: retryIdempotent,
  describe: () => ({}),
  async exchange(io) {
    const [version] = await io.read(1, 'version');
    const [next] = await io.read(1, 'ACK or option byte 1');
    if (next === Reply.ACK) return { version: version!, optionBytes: Buffer.alloc(0) };
    const [option2, last] = await io.read(2, 'option byte 2 and ACK');
    checkAck(last!, 'the end of Get Version');
    return { version: version!, optionBytes: Buffer.from([next!, option2!]) };
  },
  summarize: (r) => ({ version: formatVersion(r.version), optionBytes: r.optionBytes.toString('hex') }),
};
