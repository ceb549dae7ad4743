import { readFile, writeFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { bootIfRequested, checkPmicImage, InputError, readPmicNvm, writePmicNvm, type BoardSession } from '../../index.js';
import { withBoard } from '../board-options.js';
import { askToBurn } from '../confirm.js';
import type { CliContext } from '../context.js';
import type { GlobalArgs } from '../global-options.js';
import { bootEventRenderer } from '../progress.js';
import { pmicWriteJson, renderPmicDump, renderPmicPlan, renderPmicWriteResult } from '../render/pmic-text.js';
import { action } from '../run.js';

interface PmicArgs extends GlobalArgs {
  boot?: string;
}

interface ReadArgs extends PmicArgs {
  output?: string;
}

interface WriteArgs extends PmicArgs {
  file: string;
  yes: boolean;
  'dry-run': boolean;
}

function withBoot<T>(y: Argv<T>): Argv<T & PmicArgs> {
  return y.option('boot', { type: 'string', describe: 'Boot the board to U-Boot first with this FlashLayout.tsv' }) as Argv<T & PmicArgs>;
}

async function boot(args: PmicArgs, ctx: CliContext, session: BoardSession): Promise<void> {
  await bootIfRequested(session, args.boot, bootEventRenderer(ctx), { logger: ctx.logger });
}

const pmicReadCommand: CommandModule<GlobalArgs, ReadArgs> = {
  command: 'read',
  describe: 'Read the PMIC NVM (partition 0xF4, 8 bytes)',
  builder: (y) =>
    withBoot(y)
      .option('output', { alias: 'o', type: 'string', describe: 'Also save the 8 bytes to this file' })
      .example('$0 pmic read --port /dev/ttyUSB0', 'Show the 8 bytes')
      .example('$0 pmic read -o nvm.bin --json', 'Save them; prints {"bytes":"ee92c002f2800233"}') as never,
  handler: action<ReadArgs>(async (args, ctx) => {
    const bytes = await withBoard(args, ctx, async (s) => {
      await boot(args, ctx, s);
      return readPmicNvm(s.link, { logger: ctx.logger });
    });
    if (args.output) {
      try {
        await writeFile(args.output, bytes);
      } catch (err) {
        throw new InputError('FILE', `cannot write ${args.output}: ${(err as Error).message}`, { cause: err, details: { file: args.output } });
      }
    }
    ctx.out(ctx.json ? JSON.stringify({ bytes: bytes.toString('hex'), ...(args.output ? { file: args.output } : {}) }) : renderPmicDump(bytes));
    if (args.output && !ctx.json) ctx.note(`saved to ${args.output}`);
  }),
};

const pmicWriteCommand: CommandModule<GlobalArgs, WriteArgs> = {
  command: 'write <file>',
  describe: 'Program the PMIC NVM from an 8-byte file: shows the byte diff, asks, writes, reads back and verifies',
  builder: (y) =>
    withBoot(y)
      .positional('file', { type: 'string', demandOption: true, describe: 'The 8-byte NVM image' })
      .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation (required without a TTY)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show the byte diff and stop; nothing is sent' })
      .example('$0 pmic write nvm.bin --dry-run', 'Show which bytes would change')
      .example('$0 pmic write nvm.bin --yes --port /dev/ttyUSB0', 'Program it without a question') as never,
  handler: action<WriteArgs>(async (args, ctx) => {
    let data: Buffer;
    try {
      data = await readFile(args.file);
    } catch (err) {
      throw new InputError('FILE', `cannot read ${args.file}: ${(err as Error).message}`, { cause: err, details: { file: args.file } });
    }
    checkPmicImage(data, args.file); // before the board is opened
    const result = await withBoard(args, ctx, async (s) => {
      await boot(args, ctx, s);
      return writePmicNvm(s.link, data, {
        dryRun: args['dry-run'],
        yes: args.yes,
        logger: ctx.logger,
        onPlan: (plan) => {
          if (!ctx.json && !args['dry-run'] && plan.changes.length) ctx.note(renderPmicPlan(plan));
        },
        ...(ctx.stdinIsTTY ? { confirm: (plan) => askToBurn(plan.changes.length, 'PMIC NVM byte(s)') } : {}),
      });
    });
    ctx.out(ctx.json ? JSON.stringify(pmicWriteJson(result)) : renderPmicWriteResult(result));
  }),
};

export const pmicCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'pmic <command>',
  describe: 'Read and program the PMIC NVM (partition 0xF4)',
  builder: (y) =>
    y
      .command(pmicReadCommand as never)
      .command(pmicWriteCommand as never)
      .example('$0 pmic read -o nvm.bin', 'Save the PMIC NVM')
      .example('$0 pmic write nvm.bin', 'Program it (asks first)')
      .demandCommand(1, 'Name a pmic command; see pmic --help.'),
  handler: () => {},
};
