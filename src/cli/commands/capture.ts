import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { captureDecodeCommand } from './capture/decode.js';
import { captureImportCommand } from './capture/import.js';

export const captureCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'capture <command>',
  describe: 'Decode captures for humans, import them from socat, Saleae or sigrok',
  builder: (y) =>
    y
      .command(captureDecodeCommand as never)
      .command(captureImportCommand as never)
      .example('$0 capture decode captures/emulated-mp15-otp-read.jsonl', 'Show a recorded session frame by frame')
      .demandCommand(1, 'Name a capture command; see capture --help.'),
  handler: () => {},
};
