import type { CommandModule } from 'yargs';
import { listPorts, type PortSummary } from '../../index.js';
import type { GlobalArgs } from '../global-options.js';
import { action } from '../run.js';

export const portsCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ports',
  describe: 'List the serial ports present (path, manufacturer, serial number, vid:pid)',
  builder: (y) =>
    y
      .example('$0 ports', 'Find the USB-serial adapter of the board')
      .example('$0 ports --json', 'The same as a JSON array') as never,
  handler: action<GlobalArgs>(async (_args, ctx) => {
    const ports = await listPorts();
    if (ctx.json) {
      ctx.out(JSON.stringify(ports));
      return;
    }
    if (ports.length === 0) {
      ctx.note('no serial ports found (is the USB-serial adapter plugged in?)');
      return;
    }
    ctx.out(formatPorts(ports));
  }),
};

export function formatPorts(ports: readonly PortSummary[]): string {
  const rows = ports.map((p) => [p.path, p.manufacturer ?? '-', p.serialNumber ?? '-', p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : '-']);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')).join('\n');
}
