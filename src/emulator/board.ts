import type { SocFamily, Stage } from '../protocol/constants.js';
import type { Transport } from '../transport/transport.js';
import { realClock, type Clock } from '../util/clock.js';
import { BootLoaderProgram } from './boot-loader.js';
import { Bsec, type SecureFirmware } from './bsec.js';
import { bootLogText } from './boot-log.js';
import { DEFAULT_PMIC_NVM, loadDefaultFuses } from './default-fuses.js';
import type { EmulatorEvent, EventDetails, StageContext, StageExit } from './device.js';
import { FaultInjector, type FaultPlan } from './faults.js';
import { EmulatorTransport } from './transport.js';
import { DeviceUart, StopSignal } from './uart.js';
import { UBootProgram } from './u-boot.js';
import { Wire, type WireDirection, type WireOptions } from './wire.js';

export { loadDefaultFuses } from './default-fuses.js';
export type { EmulatorEvent } from './device.js';

export interface EmulatedBoardOptions {
  /** Default 'STM32MP15'. */
  soc?: SocFamily;
  /** Where the board starts; default 'u-boot' (the stm32prog loop, as for OTP work). */
  stage?: 'rom' | 'u-boot';
  /** Initial OTP structure v2 bytes; default the DK2 dump (MP15) or a generated MP13 set. */
  fuses?: Uint8Array;
  /** Default realClock; tests pass a ManualClock. */
  clock?: Clock;
  faults?: FaultPlan;
  /** Real-time wire model (issue 10); absent = immediate delivery. */
  wire?: WireOptions;
  /** Print U-Boot boot log text before the loop's unsolicited NACK. */
  bootLog?: boolean;
  /** The secure firmware behind partition 0xF2; default 'optee'. */
  firmware?: SecureFirmware;
}

/**
 * Time from a stage's jump to its first byte. Real boards take longer (U-Boot ~1 s); short values
 * keep tests fast while still letting a host's early bytes be drained, as on a board.
 */
export const STAGE_BOOT_MS: Readonly<Record<'tf-a' | 'u-boot', number>> = { 'tf-a': 5, 'u-boot': 20 };

/**
 * An STM32MP1 that speaks the UART boot protocol byte for byte: ROM code → TF-A → U-Boot stm32prog
 * (shared/spec/serial-boot.md, an5275-uart.md), a BSEC fuse model (bsec.ts), an 8-byte PMIC NVM and
 * a flash store. Reach it in process with `connect()`, over a pseudo-terminal with pty-server.ts,
 * or raw with `powerOn` / `input` / `onOutput`.
 */
export class EmulatedBoard {
  readonly soc: SocFamily;
  readonly pmicNvm: Buffer;
  readonly flash = new Map<number, Buffer>();
  readonly log: EmulatorEvent[] = [];
  /** The clock every device timeout and pause runs on (the transport shares it). */
  readonly clock: Clock;
  private readonly startStage: 'rom' | 'u-boot';
  private readonly bsec: Bsec;
  private readonly firmware: SecureFirmware;
  private readonly faults: FaultInjector;
  private readonly wire: Wire | undefined;
  private readonly bootLog: string | undefined;
  private readonly listeners = new Set<(bytes: Buffer) => void>();
  private readonly receivedChunks: Buffer[] = [];
  private receivedCache: Buffer | undefined;
  private uart: DeviceUart;
  private currentStage: Stage;
  private powered = false;
  private closed = false;

  constructor(options: EmulatedBoardOptions = {}) {
    this.soc = options.soc ?? 'STM32MP15';
    this.clock = options.clock ?? realClock;
    this.startStage = options.stage ?? 'u-boot';
    this.currentStage = this.startStage;
    this.firmware = options.firmware ?? 'optee';
    this.bsec = new Bsec(this.soc, options.fuses ?? loadDefaultFuses(this.soc));
    this.pmicNvm = Buffer.from(DEFAULT_PMIC_NVM);
    this.faults = new FaultInjector(options.faults ?? [], (what) => this.record('fault', { message: what }));
    const faultLog = this.faults.bootLog;
    this.bootLog = faultLog !== undefined ? faultLog || bootLogText(this.soc) : options.bootLog ? bootLogText(this.soc) : undefined;
    this.wire = options.wire ? new Wire(this.clock, options.wire, (dir, bytes) => this.deliver(dir, bytes)) : undefined;
    this.uart = this.newUart();
  }

  get stage(): Stage {
    return this.currentStage;
  }

  /** Every byte the host sent, in order (before any rx fault). */
  get received(): Buffer {
    this.receivedCache ??= Buffer.concat(this.receivedChunks);
    return this.receivedCache;
  }

  /** The host-side transport (name 'emulator'); opening it powers the board on. */
  connect(): Transport {
    return new EmulatorTransport(this);
  }

  /** Starts the device program of the start stage (once; later calls do nothing). */
  powerOn(): void {
    if (this.powered || this.closed) return;
    this.powered = true;
    void this.runFrom(this.startStage, this.uart);
  }

  /** Bytes from the host to the device (through the rx faults and the wire, if any). */
  input(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    const buf = Buffer.from(bytes);
    this.receivedChunks.push(buf);
    this.receivedCache = undefined;
    const after = this.faults.rx(buf);
    if (this.wire) this.wire.send('to-device', after);
    else this.uart.push(after);
  }

  /** Listens to the bytes the device sends; returns the function that stops listening. */
  onOutput(listener: (bytes: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * The current fuses as a Read Partition 0xF2 at offset 0 carries them (776 bytes, no faults),
   * sticky locks set over the protocol included.
   */
  fuseStructure(): Buffer {
    return this.bsec.readStructure();
  }

  /**
   * The fuses to save at exit (--save-fuses) and load again with --fuses: like `fuseStructure`, but
   * sticky locks set during this session are left out, since they end with the board's power cycle;
   * only the boot-time sticky bits of the loaded file are kept (bsec.ts `savedStructure`).
   */
  savedFuses(): Buffer {
    return this.bsec.savedStructure();
  }

  /** Board reset: sticky locks cleared, RAM state gone, back to the start stage at once. */
  reset(): void {
    this.restart(0);
  }

  /** Stops the device program and the wire; the board keeps its fuses for `fuseStructure`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.uart.stop();
    this.wire?.cancel();
    this.listeners.clear();
  }

  /**
   * A reset; the start stage runs after `bootMs` (a device-initiated reset reboots the board, and
   * bytes the host sends meanwhile wait in the new FIFO until the stage drains them).
   */
  private restart(bootMs: number): void {
    if (this.closed) return;
    this.uart.stop();
    this.bsec.reset();
    this.uart = this.newUart();
    this.currentStage = this.startStage;
    this.record('reset', {});
    if (this.powered) void this.runFrom(this.startStage, this.uart, bootMs);
  }

  private newUart(): DeviceUart {
    return new DeviceUart(this.clock, (bytes) => this.send(bytes));
  }

  /** Runs stage after stage on one power cycle until a reset, a close, or a stop. */
  private async runFrom(first: Stage, uart: DeviceUart, bootMs = 0): Promise<void> {
    let stage = first;
    try {
      if (bootMs > 0) await uart.pause(bootMs);
      for (;;) {
        this.currentStage = stage;
        this.record('boot', {});
        if (this.faults.silent(stage)) return await uart.ignoreEverything();
        const ctx = this.context(uart);
        const program = stage === 'u-boot' ? new UBootProgram(ctx) : new BootLoaderProgram(ctx, stage);
        const exit: StageExit = await program.run();
        if ('reset' in exit) {
          if (uart === this.uart) this.restart(this.startStage === 'rom' ? 0 : STAGE_BOOT_MS['u-boot']);
          return;
        }
        await uart.pause(STAGE_BOOT_MS[exit.next as 'tf-a' | 'u-boot']);
        stage = exit.next;
      }
    } catch (err) {
      if (err instanceof StopSignal || uart.isStopped) return;
      // A bug in the emulator: keep it visible in the log rather than crash the host process.
      this.record('error', { message: `emulator failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
    }
  }

  private context(uart: DeviceUart): StageContext {
    return {
      soc: this.soc,
      clock: this.clock,
      uart,
      faults: this.faults,
      bsec: this.bsec,
      firmware: this.firmware,
      pmicNvm: this.pmicNvm,
      flash: this.flash,
      bootLog: this.bootLog,
      record: (kind, phase, details) => this.record(kind, { ...details }, phase),
    };
  }

  /** Device → host: tx faults, then the wire (or straight to the listeners). */
  private send(bytes: Buffer): void {
    if (this.closed) return;
    const after = this.faults.tx(bytes);
    if (after.length === 0) return;
    if (this.wire) this.wire.send('to-host', after);
    else this.emit(after);
  }

  private deliver(dir: WireDirection, bytes: Buffer): void {
    if (this.closed) return;
    if (dir === 'to-device') this.uart.push(bytes);
    else this.emit(bytes);
  }

  private emit(bytes: Buffer): void {
    for (const listener of this.listeners) listener(bytes);
  }

  private record(kind: EmulatorEvent['kind'], details: EventDetails, phase = -1): void {
    this.log.push({ atMs: this.clock.now(), stage: this.currentStage, kind, phase, ...details });
  }
}
