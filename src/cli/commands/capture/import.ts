import { readFile, stat, writeFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { serializeCapture } from '../../../index.js';
import { importCapture, IMPORT_FORMATS, type ImportFormat, type ImportInput, type ImportOptions } from '../../../index.js';
import { InputError } from '../../../index.js';
import type { GlobalArgs } from '../../global-options.js';
import { action } from '../../run.js';

interface ImportArgs extends GlobalArgs {
  file?: string;
  from: ImportFormat;
  output: string;
  dir?: 'tx' | 'rx';
  'tx-file'?: string;
  'rx-file'?: string;
  'tx-name'?: string;
  'rx-name'?: string;
  swap: boolean;
  samplerate?: number;
}

/** The input's modification time, the best guess at when a dateless capture (Saleae, sigrok) was taken. */
async function modifiedIso(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).mtime.toISOString();
  } catch {
    return undefined;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError('FILE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export const captureImportCommand: CommandModule<GlobalArgs, ImportArgs> = {
  command: 'import [file]',
  describe: 'Turn a socat -x -v dump, a Saleae Logic 2 async serial CSV or sigrok-cli uart annotations into a capture',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: "The tool's output (or use --tx-file/--rx-file for Saleae)" })
      .option('from', { choices: IMPORT_FORMATS, demandOption: true, describe: 'Format of the input' })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Capture file to write (JSON Lines); - for stdout' })
      .option('dir', { choices: ['tx', 'rx'] as const, describe: 'The whole file is this direction (tx = host to board)' })
      .option('tx-file', { type: 'string', describe: 'Saleae: export of the host TX line' })
      .option('rx-file', { type: 'string', describe: 'Saleae: export of the host RX line' })
      .option('tx-name', { type: 'string', describe: 'Saleae analyzer name / sigrok decoder id of the host TX line' })
      .option('rx-name', { type: 'string', describe: 'Saleae analyzer name / sigrok decoder id of the host RX line' })
      .option('swap', { type: 'boolean', default: false, describe: "Exchange tx and rx (the tool's TX was the board's)" })
      .option('samplerate', { type: 'number', describe: 'sigrok: sample rate in Hz, to turn --protocol-decoder-samplenum into times' })
      .example('$0 capture import --from socat socat.log -o session.jsonl', 'socat -x -v ... 2>socat.log, host = first address')
      .example('$0 capture import --from saleae --tx-file tx.csv --rx-file rx.csv -o session.jsonl', 'Two Logic 2 async serial exports')
      .example('$0 capture import --from sigrok uart.txt -o session.jsonl', 'sigrok-cli -P uart:... -A uart=rx-data:tx-data --protocol-decoder-ann-class') as never,
  handler: action<ImportArgs>(async (args, ctx) => {
    const options: ImportOptions = { baud: args.baud, swap: args.swap };
    if (args.dir) options.dir = args.dir;
    if (args['tx-name'] !== undefined) options.txName = args['tx-name'];
    if (args['rx-name'] !== undefined) options.rxName = args['rx-name'];
    if (args.samplerate !== undefined) options.sampleRateHz = args.samplerate;
    let input: ImportInput;
    if (args['tx-file'] !== undefined || args['rx-file'] !== undefined) {
      if (args.from !== 'saleae') throw new InputError('USAGE', '--tx-file/--rx-file are for --from saleae (one export per direction)');
      if (args.file !== undefined) throw new InputError('USAGE', 'give either FILE or --tx-file/--rx-file, not both');
      input = {};
      if (args['tx-file'] !== undefined) input.tx = await readText(args['tx-file']);
      if (args['rx-file'] !== undefined) input.rx = await readText(args['rx-file']);
      options.source = [args['tx-file'], args['rx-file']].filter(Boolean).join('+');
      const started = await modifiedIso((args['tx-file'] ?? args['rx-file'])!);
      if (started) options.started = started;
    } else {
      if (args.file === undefined) throw new InputError('USAGE', 'name the file to import (or --tx-file/--rx-file for Saleae)');
      input = await readText(args.file);
      options.source = args.file;
      const started = await modifiedIso(args.file);
      if (started) options.started = started;
    }
    const capture = importCapture(args.from, input, options);
    for (const w of capture.warnings) ctx.note(`warning: ${w}`);
    const text = serializeCapture(capture);
    if (args.output === '-') process.stdout.write(text);
    else {
      try {
        await writeFile(args.output, text);
      } catch (err) {
        throw new InputError('FILE', `cannot write ${args.output}: ${(err as Error).message}`, { cause: err });
      }
    }
    let tx = 0;
    let rx = 0;
    for (const c of capture.chunks) if (c.dir === 'tx') tx += c.data.length;
    else rx += c.data.length;
    const summary = { file: args.output, format: args.from, chunks: capture.chunks.length, txBytes: tx, rxBytes: rx, warnings: capture.warnings.length };
    if (args.output === '-') ctx.note(`${summary.chunks} chunk(s): ${tx} host byte(s), ${rx} board byte(s)`);
    else ctx.out(ctx.json ? JSON.stringify(summary) : `Wrote ${summary.chunks} chunk(s) (${tx} host byte(s), ${rx} board byte(s)) to ${args.output}`);
  }),
};
