import type { CommandModule } from 'yargs';
import { STAGE_LABELS } from '../../index.js';
import { readBoardInfo, type BoardInfo } from '../../index.js';
import { hex32, hex8 } from '../../index.js';
import { RESET_HELP } from '../../index.js';
import { withBoard } from '../board-options.js';
import type { GlobalArgs } from '../global-options.js';
import { action } from '../run.js';

export const infoCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'info',
  describe: 'Sync with the board and show what answers: stage, SoC, protocol and loader versions, commands, phase',
  builder: (y) =>
    y
      .example('$0 info --port /dev/ttyUSB0', 'Ask a board on a USB-serial adapter')
      .example('$0 info --json --port /dev/ttyACM0 --reset dtr', 'Reset it through DTR first, answer as JSON')
      .example('$0 info --soc mp13 --record captures/mp13.jsonl', 'Ask the emulated STM32MP13 and record every byte')
      .epilogue(`Runs Get, Get Version, Get ID and Get Phase. ${RESET_HELP}`) as never,
  handler: action<GlobalArgs>(async (args, ctx) => {
    const info = await withBoard(args, ctx, (s) => readBoardInfo(s.link));
    ctx.out(ctx.json ? JSON.stringify(info) : formatBoardInfo(info));
  }),
};

export function formatBoardInfo(info: BoardInfo): string {
  const phase = `${hex8(info.phase.id)} ${info.phase.name}, address ${hex32(info.phase.address)}${info.phase.info ? `, message "${info.phase.info}"` : ''}`;
  return [
    `stage      ${STAGE_LABELS[info.stage]}`,
    `SoC        ${info.soc} (product id 0x${info.productId.toString(16).padStart(3, '0')})`,
    `protocol   ${info.protocolVersion}`,
    `loader     ${info.loaderVersion}${info.optionBytes ? ` (option bytes ${info.optionBytes})` : ''}`,
    `commands   ${info.commands.map((c) => `${hex8(c.code)} ${c.name}`).join(', ')}`,
    `phase      ${phase}`,
  ].join('\n');
}
