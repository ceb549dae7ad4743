import { readdir } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { LinkError } from '../errors.js';
import { realClock, type Clock } from '../util/clock.js';
import { DEFAULT_SERIAL_SETTINGS, QueueTransport, type SerialSettings } from './transport.js';

/**
 * The real serial port: the only module that imports serialport. Input goes straight into the
 * ByteQueue (our own byte-exact reader: a fixed-length parser cannot serve variable answers such as
 * Get Phase's L, nor carry a deadline). Writes resolve when the OS has the bytes, one write per call,
 * so a Download packet leaves without gaps.
 */
export class SerialTransport extends QueueTransport {
  private port: SerialPort | undefined;
  // serialport's set() rewrites every modem flag (unset ones to their defaults: DTR and RTS on), so
  // the current state is kept and sent whole.
  private signals = { dtr: true, rts: true };
  private lowLatency = false;

  constructor(path: string, settings: SerialSettings = DEFAULT_SERIAL_SETTINGS, clock: Clock = realClock) {
    super(path, clock, settings);
  }

  /** Whether the Linux driver took ASYNC_LOW_LATENCY (fewer ms of USB-serial buffering per answer). */
  get lowLatencyEnabled(): boolean {
    return this.lowLatency;
  }

  async open(): Promise<void> {
    const port = new SerialPort({
      path: this.name,
      baudRate: this.settings.baudRate,
      dataBits: this.settings.dataBits,
      parity: this.settings.parity,
      stopBits: this.settings.stopBits,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(portError(this.name, err)) : resolve())));
    this.port = port;
    port.on('data', (chunk: Buffer) => this.receive(chunk));
    port.on('close', () => this.input.close(new LinkError('PORT_CLOSED', `${this.name} was closed or unplugged`, { details: { port: this.name } })));
    port.on('error', () => {
      // Reported through the pending write or read; an unhandled 'error' event would kill the process.
    });
    if (process.platform === 'linux') {
      // bindings-cpp on Linux takes `lowLatency` in set() (ASYNC_LOW_LATENCY ioctl). A pseudo-terminal
      // or an adapter without modem lines refuses set(): the link still works, only slower to answer.
      try {
        await this.applySignals(true);
        this.lowLatency = true;
      } catch {
        this.lowLatency = false;
      }
    }
  }

  override async setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    this.signals = { ...this.signals, ...signals };
    try {
      await this.applySignals(this.lowLatency);
    } catch (err) {
      throw new LinkError('PORT', `${this.name}: cannot set DTR/RTS (${(err as Error).message}); use --reset none with this port`, {
        cause: err,
        details: { port: this.name },
      });
    }
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  protected async sendBytes(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port) throw new LinkError('PORT_CLOSED', `${this.name} is not open`, { details: { port: this.name } });
    await new Promise<void>((resolve, reject) =>
      port.write(data, (err) => (err ? reject(new LinkError('PORT', `${this.name}: write failed: ${err.message}`, { cause: err, details: { port: this.name } })) : resolve())),
    );
  }

  private applySignals(lowLatency: boolean): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error('not open'));
    const flags = { ...this.signals, ...(lowLatency ? { lowLatency: true } : {}) } as Parameters<SerialPort['set']>[0];
    return new Promise<void>((resolve, reject) => port.set(flags, (err) => (err ? reject(err) : resolve())));
  }
}

/** An open failure, with what to do about it. */
function portError(path: string, err: Error): LinkError {
  const msg = err.message;
  let hint = '';
  if (/permission denied|EACCES/i.test(msg)) {
    hint = process.platform === 'linux' ? ': add yourself to the dialout group (sudo usermod -aG dialout $USER, then log in again)' : ': check the permissions of the port';
  } else if (/no such file|ENOENT|cannot find|not found/i.test(msg)) {
    hint = ': no such port; list the ports present with `stm32mp-uart ports`';
  } else if (/lock|busy|EBUSY/i.test(msg)) {
    hint = ': another program has the port open (a terminal such as minicom or screen?)';
  }
  return new LinkError('PORT', `cannot open ${path}: ${msg}${hint}`, { cause: err, details: { port: path } });
}

export interface PortSummary {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/**
 * The serial ports the OS reports. On Linux serialport asks udevadm; where there is none (containers,
 * minimal images) the usual USB-serial and on-chip UART device names in /dev are listed instead,
 * without metadata.
 */
export async function listPorts(): Promise<PortSummary[]> {
  let ports: Awaited<ReturnType<typeof SerialPort.list>>;
  try {
    ports = await SerialPort.list();
  } catch (err) {
    if (process.platform === 'linux' && /udevadm/.test((err as Error).message)) return scanDev();
    throw new LinkError('PORT', `cannot list the serial ports: ${(err as Error).message}`, { cause: err });
  }
  return ports.map((p) => ({
    path: p.path,
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.vendorId ? { vendorId: p.vendorId.toLowerCase() } : {}),
    ...(p.productId ? { productId: p.productId.toLowerCase() } : {}),
  }));
}

async function scanDev(): Promise<PortSummary[]> {
  const names = await readdir('/dev').catch(() => [] as string[]);
  return names
    .filter((n) => /^tty(USB|ACM|AMA|STM|XRUSB)\d+$/.test(n))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((n) => ({ path: `/dev/${n}` }));
}
