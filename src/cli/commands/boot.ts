import type { CommandModule } from 'yargs';
import { InputError } from '../../index.js';
import { bootToUBoot, DEFAULT_STAGE_CHANGE_TIMEOUT_MS, prepareBoot } from '../../index.js';
import { resolvePortName } from '../../index.js';
import { withBoard } from '../board-options.js';
import type { GlobalArgs } from '../global-options.js';
import { bootEventRenderer, formatBootSummary } from '../progress.js';
import { action } from '../run.js';

interface BootArgs extends GlobalArgs {
  layout?: string;
  fsbl?: string;
  ssbl?: string;
  'stage-timeout': number;
}

export const bootCommand: CommandModule<GlobalArgs, BootArgs> = {
  command: 'boot',
  describe: "Serial boot: load TF-A and U-Boot through the ROM code, up to U-Boot's stm32prog loop (ready for OTP work)",
  builder: (y) =>
    y
      .option('layout', { type: 'string', describe: 'FlashLayout.tsv: its Opt "-" / IP none rows 0x01 (TF-A .stm32) and 0x03 (FIP) are loaded, then the TSV is sent to U-Boot' })
      .option('fsbl', { type: 'string', describe: 'TF-A image (.stm32) for the ROM code (phase 0x01), without a layout' })
      .option('ssbl', { type: 'string', describe: 'FIP (.bin: OP-TEE + U-Boot) for TF-A (phase 0x03), without a layout' })
      .option('stage-timeout', {
        type: 'number',
        default: DEFAULT_STAGE_CHANGE_TIMEOUT_MS,
        describe: 'Milliseconds to wait for TF-A, then U-Boot, to answer after the previous stage started it',
      })
      // The emulated board starts at its ROM code for this command (override with --stage u-boot).
      .default('stage', 'rom')
      .conflicts('layout', ['fsbl', 'ssbl'])
      .example('$0 boot --layout FlashLayout.tsv --port /dev/ttyUSB0', 'Boot a board in serial boot mode with the files of a flashlayout')
      .example('$0 boot --fsbl tf-a-stm32mp157c-dk2-usb.stm32 --ssbl fip-stm32mp157c-dk2-optee.bin', 'Try the chain on the emulated board') as never,
  handler: action<BootArgs>(async (args, ctx) => {
    const source = args.layout !== undefined ? { layoutPath: args.layout } : sourceFromImages(args);
    // Every file is read and checked before the port is even opened (nothing sent on bad input).
    const prepared = await prepareBoot(source);
    const port = resolvePortName(args.port);
    if (args.baud !== 115200 && port !== 'emulator' && !port.startsWith('replay:')) {
      // serial-boot.md stage 1: the ROM measures any rate, but TF-A and U-Boot answer at their build rate.
      ctx.note(`warning: TF-A and U-Boot answer at their build rate (115200 in ST's releases), not at --baud ${args.baud}: run the chain at 115200`);
    }
    const result = await withBoard(args, ctx, (session) =>
      bootToUBoot(session.link, {
        ...prepared,
        names: prepared.files,
        stageChangeTimeoutMs: args['stage-timeout'],
        onEvent: bootEventRenderer(ctx),
        logger: ctx.logger,
      }),
    );
    ctx.note(formatBootSummary(result));
    if (ctx.json) ctx.out(JSON.stringify({ stages: result.stages.map((s) => ({ stage: s.stage, phase: s.phase, bytes: s.bytes, ms: s.ms })) }));
  }),
};

function sourceFromImages(args: BootArgs): { fsblPath: string; ssblPath: string } {
  if (args.fsbl === undefined || args.ssbl === undefined) {
    throw new InputError('USAGE', 'name the images to load: --layout FlashLayout.tsv, or both --fsbl tf-a.stm32 and --ssbl fip.bin');
  }
  return { fsblPath: args.fsbl, ssblPath: args.ssbl };
}
