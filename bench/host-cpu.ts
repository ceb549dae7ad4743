import { Link } from '../src/link/link.js';
import { Reply } from '../src/protocol/constants.js';
import { QueueTransport } from '../src/transport/transport.js';
import { realClock } from '../src/util/clock.js';
import { payload } from './scenarios.js';

/**
 * A device that costs nothing: it ACKs every frame the moment it is written (sync, command pair,
 * Download address, packet), so what is measured is the host alone — the link's runner, the frame
 * encoders, the checksum, the transport's queue and the answer decoding.
 */
export class InstantDevice extends QueueTransport {
  private readonly ack = Buffer.from([Reply.ACK]);

  constructor() {
    super('instant', realClock);
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.input.close();
  }

  protected async sendBytes(_data: Buffer): Promise<void> {
    this.receive(this.ack);
  }
}

export interface HostCpuResult {
  name: 'host-cpu-per-packet';
  packets: number;
  /** User + system CPU per 256-byte Download packet, microseconds. */
  cpuUsPerPacket: number;
  /** Wall time per packet, microseconds (no wire: the host's own cost). */
  wallUsPerPacket: number;
}

/**
 * CPU per 256-byte Download packet through the whole host path: `Link.download` (capability check,
 * command pair, address + XOR, N-1 + data + XOR as one write, three answers read and checked, the
 * command event), against `InstantDevice`. Warmed up first, then timed with process.cpuUsage.
 */
export async function measureHostCpu(packets = 20_000): Promise<HostCpuResult> {
  const transport = new InstantDevice();
  await transport.open();
  const link = new Link(transport);
  await link.sync();
  const data = payload(256);
  const run = async (n: number, from: number): Promise<void> => {
    for (let i = 0; i < n; i++) await link.download(0x00, (from + i) & 0xffffff, data);
  };
  await run(2_000, 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(packets, 2_000);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await transport.close();
  return {
    name: 'host-cpu-per-packet',
    packets,
    cpuUsPerPacket: Math.round(((cpu.user + cpu.system) / packets) * 100) / 100,
    wallUsPerPacket: Math.round(((wallMs * 1000) / packets) * 100) / 100,
  };
}
