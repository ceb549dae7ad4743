import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { InputError } from '../../../index.js';
import { OTP_LAYOUTS } from '../../../index.js';
import { socFamilyFromOption } from '../../../index.js';
import { decodeOtpStructure, type OtpStructure } from '../../../index.js';
import { parseWordsSpec } from '../../../index.js';
import { readOtp } from '../../../index.js';
import type { SocFamily } from '../../../index.js';
import { withBoard } from '../../board-options.js';
import type { GlobalArgs } from '../../global-options.js';
import { printOtpStructure } from '../../render/otp-text.js';
import { action } from '../../run.js';

interface ShowArgs extends GlobalArgs {
  file?: string;
  words?: string;
}

/** Reads and decodes an OTP structure file (776 bytes, or the 1024-byte SP_MIN partition). */
export async function readOtpFile(path: string, soc: GlobalArgs['soc']): Promise<OtpStructure> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError('FILE', `cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
  return decodeOtpStructure(bytes, { soc: socFamilyFromOption(soc) });
}

export const otpShowCommand: CommandModule<GlobalArgs, ShowArgs> = {
  command: 'show',
  describe: 'Show an OTP structure like the vendor tool, with the named words decoded (serial, MAC, board id...)',
  builder: (y) =>
    y
      .option('file', { alias: 'f', type: 'string', describe: 'OTP structure file to show (e.g. from `otp read -o`) instead of a board' })
      .example('$0 otp show --port /dev/ttyUSB0', "Read and show a board's OTP")
      .option('words', { type: 'string', describe: 'Only these words, e.g. 13-15,57,58' })
      .example('$0 otp show --file dump.bin', 'Show a saved OTP dump')
      .example('$0 otp show --file dump.bin --words 13-15,57-59 --json', 'UID, MAC and board id words as JSON') as never,
  handler: action<ShowArgs>(async (args, ctx) => {
    // Validate the word list before anything is sent to a board.
    const words = args.words !== undefined ? parseWordsSpec(args.words, OTP_LAYOUTS[socFamilyFromOption(args.soc)].words) : undefined;
    let structure: OtpStructure;
    let soc: SocFamily;
    if (args.file !== undefined) {
      soc = socFamilyFromOption(args.soc);
      structure = await readOtpFile(args.file, args.soc);
    } else {
      // The board's own SoC (Get ID) decides the size and the named words.
      ({ structure, soc } = await withBoard(args, ctx, (session) => readOtp(session.link, { logger: ctx.logger })));
    }
    printOtpStructure(ctx, structure, soc, words ? { words } : {});
  }),
};
