import { Command, commandName, DEFAULT_ADDRESS, DeviceTiming, Phase, ProductId, Reply, Version } from '../protocol/constants.js';
import { OTP_LAYOUTS, OTP_SIZE_SMC } from '../otp/layout.js';
import { ABORTED, be32, le32, receiveCommand, xor, type CommandOutcome, type StageContext, type StageExit } from './device.js';
import { nextPhase, parseLayout, PHASE_LAST_USER, type LayoutPartition } from './layout-parser.js';

/** U-Boot's command list, in `cmd_id[]` order (stm32prog_serial.c). */
const COMMANDS = [
  Command.GET,
  Command.GET_VERSION,
  Command.GET_ID,
  Command.GET_PHASE,
  Command.READ_MEMORY,
  Command.READ_PARTITION,
  Command.START,
  Command.DOWNLOAD,
] as const;

/** `CONFIG_SYS_LOAD_ADDR` of ST's STM32MP1 defconfigs: Get Phase's address in phase 0x00. */
export const UBOOT_LOAD_ADDRESS = 0xc2000000;
/** The flashlayout alternate: "@FlashLayout/0x00/1*256Ke ram" (stm32prog.c `dfu_init_entities`). */
const FLASHLAYOUT_MAX_BYTES = 0x40000;
const PMIC_SIZE = 8;
/** First capacity of a download store (grown by doubling). */
const MIN_STORE_BYTES = 4096;
/** Errno values in U-Boot's "OTP write issue %d" / "OTP read issue %d" messages. */
const EIO = -5;
const EINVAL = -22;
const ENOMEM = -12;

/**
 * U-Boot `stm32prog serial` (arch/arm/mach-stm32mp/cmd_stm32prog/stm32prog_serial.c, stm32prog.c).
 * The loop starts in phase 0x00 (flashlayout, `stm32prog_init`) whether U-Boot was reached by a
 * serial boot or the board was started directly in U-Boot; Get Phase then reports the load address.
 * Byte-level facts from the code, some of which the spec does not spell out:
 * - Read Partition's two ACKs (after the address, before the data) are plain `putc`: no drain;
 * - Download NACKs a wrong packet number at once, like an unsupported OP, without reading the
 *   length and data (which then land in the command loop);
 * - Download's 30 ms window covers the data bytes only: the length and checksum bytes are waited
 *   for as long as it takes;
 * - the OTP partition is one buffer shared by reads and downloads (`data->otp_part`): a read at
 *   offset 0 overwrites a downloaded request, and Start 0xF2 frees it;
 * - Start with an address ≥ 0x100 jumps there; our emulated code returns at once, and U-Boot then
 *   answers ABORT ("Application terminated", -ENOEXEC).
 */
export class UBootProgram {
  private phase: number = Phase.FLASHLAYOUT;
  private doReset = false;
  private error = '';
  private cursor = 0;
  private packetNumber = 0;
  private dfuSeq = 0;
  private parts: LayoutPartition[] = [];
  private curPart: LayoutPartition | undefined;
  private otpPart: Buffer | undefined;
  private pmicPart = Buffer.alloc(PMIC_SIZE);
  private abortPending = false;
  /** The flash store being downloaded to: `view` (what `ctx.flash` holds) over a larger `buf`. */
  private flashStore: { target: number; buf: Buffer; view: Buffer } | undefined;

  constructor(private readonly ctx: StageContext) {}

  private get otpSize(): number {
    return this.ctx.firmware === 'optee' ? OTP_LAYOUTS[this.ctx.soc].size : OTP_SIZE_SMC;
  }

  async run(): Promise<StageExit> {
    const { uart } = this.ctx;
    if (this.ctx.bootLog !== undefined) uart.put(Buffer.from(this.ctx.bootLog, 'latin1'));
    // "flush and NACK pending command received during u-boot init"
    uart.result(Reply.NACK);
    for (;;) {
      if (this.doReset) return { reset: true };
      const cmd = await receiveCommand(this.ctx, COMMANDS, () => this.phase);
      if (!cmd) continue;
      this.abortPending = cmd.faults.abort;
      const { then, ...outcome } = await this.handle(cmd.code);
      this.ctx.record('command', this.phase, { code: cmd.code, name: commandName(cmd.code), ...outcome });
      if (then) return then;
    }
  }

  private async handle(code: number): Promise<CommandOutcome> {
    const { uart, soc } = this.ctx;
    if (this.abortPending && code <= Command.GET_PHASE) return this.answer(ABORTED);
    switch (code) {
      case Command.GET:
        uart.put([COMMANDS.length, Version.PROTOCOL, ...COMMANDS]);
        return this.answer({ result: 'ack' });
      case Command.GET_VERSION:
        uart.put([Version.UBOOT_LOADER]);
        return this.answer({ result: 'ack' });
      case Command.GET_ID: {
        const id = soc === 'STM32MP15' ? ProductId.STM32MP15 : ProductId.STM32MP13;
        uart.put([0x01, id >> 8, id & 0xff]);
        return this.answer({ result: 'ack' });
      }
      case Command.GET_PHASE:
        return this.getPhase();
      case Command.READ_MEMORY:
        return this.readMemory();
      case Command.READ_PARTITION:
        return this.readPartition();
      case Command.START:
        return this.start();
      default:
        return this.download();
    }
  }

  /** Sends the outcome's result byte after draining (`stm32prog_serial_result`). */
  private answer(outcome: CommandOutcome): CommandOutcome {
    this.ctx.uart.result(outcome.result === 'ack' ? Reply.ACK : outcome.result === 'nack' ? Reply.NACK : Reply.ABORT);
    return outcome;
  }

  /** `stm32prog_err`: the first error is kept and the phase becomes RESET. */
  private fail(message: string): void {
    if (this.phase === Phase.RESET) return;
    this.error = message;
    this.phase = Phase.RESET;
    this.ctx.record('error', this.phase, { message });
  }

  private getPhase(): CommandOutcome {
    const phase = this.phase;
    const text = phase === Phase.RESET ? Buffer.from((this.error || 'Unspecified').slice(0, 250), 'latin1') : Buffer.alloc(0);
    const address = phase === Phase.FLASHLAYOUT ? UBOOT_LOAD_ADDRESS : DEFAULT_ADDRESS;
    this.ctx.uart.put(Buffer.concat([Buffer.from([text.length + 5, phase]), le32(address), Buffer.from([text.length]), text]));
    const outcome = this.answer({ result: 'ack', address });
    // `get_phase_command` → `stm32prog_do_reset`: answering in phase RESET resets the board.
    return phase === Phase.RESET ? { ...outcome, message: this.error || 'Unspecified', then: { reset: true } } : outcome;
  }

  private async readMemory(): Promise<CommandOutcome> {
    const { uart } = this.ctx;
    const addr = await uart.read(4);
    if ((await uart.getc()) !== xor(addr)) return this.answer({ result: 'nack', message: 'bad address checksum' });
    uart.result(Reply.ACK);
    const address = be32(addr);
    const nm1 = await uart.getc();
    if ((await uart.getc()) !== (~nm1 & 0xff)) return this.answer({ result: 'nack', address, message: 'bad length complement' });
    if (this.abortPending) return this.answer({ ...ABORTED, address });
    uart.result(Reply.ACK);
    // Raw memory: the flashlayout sits at the load address; everything else reads as zeros.
    const out = Buffer.alloc(nm1 + 1);
    const layout = this.ctx.flash.get(Phase.FLASHLAYOUT);
    if (layout && address >= UBOOT_LOAD_ADDRESS) layout.copy(out, 0, Math.min(layout.length, address - UBOOT_LOAD_ADDRESS));
    uart.put(out);
    return { result: 'ack', address, length: out.length };
  }

  private async readPartition(): Promise<CommandOutcome> {
    const { uart } = this.ctx;
    const partition = await uart.getc();
    const off = await uart.read(4);
    if ((await uart.getc()) !== xor(off, partition)) return this.answer({ result: 'nack', partition, message: 'bad address checksum' });
    uart.put([Reply.ACK]);
    const offset = be32(off);
    const nm1 = await uart.getc();
    if (((await uart.getc()) ^ nm1) !== 0xff) return this.answer({ result: 'nack', partition, offset, message: 'bad length complement' });
    const length = nm1 + 1;
    if (this.abortPending) return this.answer({ ...ABORTED, partition, offset, length });
    const data = this.readData(partition, offset, length);
    if (!data || data.length === 0) return this.answer({ result: 'abort', partition, offset, length, message: this.error || undefined });
    // One 0x79 then exactly N bytes, 0x00 after the end of the partition; no drain before it.
    const out = Buffer.alloc(1 + length);
    out[0] = Reply.ACK;
    data.copy(out, 1);
    uart.put(out);
    return { result: 'ack', partition, offset, length };
  }

  private readData(partition: number, offset: number, n: number): Buffer | undefined {
    if (partition === Phase.OTP) return this.otpRead(offset, n);
    if (partition === Phase.PMIC) return this.pmicRead(offset, n);
    if (this.dfuSeq) return void this.fail(`DFU write pending for phase ${this.phase}, seq ${this.dfuSeq}`);
    if (partition === Phase.FLASHLAYOUT || partition > PHASE_LAST_USER) return void this.fail(`read failed : phase ${partition} is invalid`);
    if (!this.parts.some((p) => p.id === partition)) return void this.fail(`read failed : phase ${partition} is unknown`);
    const store = this.ctx.flash.get(partition) ?? Buffer.alloc(0);
    return store.subarray(offset, Math.min(store.length, offset + n));
  }

  /** `stm32prog_otp_read`: offset 0 reads every word fresh from the secure world. */
  private otpRead(offset: number, n: number): Buffer | undefined {
    const size = this.otpSize;
    if (offset === 0) {
      // On a closed device OP-TEE refuses the NVMEM service (otp-structure.md, global state).
      if ((this.ctx.bsec.globalState & 3) === 1) return void this.fail(`OTP read issue ${EIO}`);
      this.otpPart = Buffer.alloc(size);
      this.ctx.bsec.readStructure(this.ctx.faults.otpFlips()).copy(this.otpPart);
    }
    if (!this.otpPart) return void this.fail(`OTP read issue ${ENOMEM}`);
    if (offset >= size) return undefined;
    return this.otpPart.subarray(offset, Math.min(size, offset + n));
  }

  /** `stm32prog_otp_write`: copy into the shared buffer; offset 0 clears it first. */
  private otpWrite(offset: number, data: Buffer): void {
    const size = this.otpSize;
    this.otpPart ??= Buffer.alloc(size);
    if (offset === 0) this.otpPart.fill(0);
    if (offset < size) data.copy(this.otpPart, offset, 0, Math.min(data.length, size - offset));
  }

  /** `stm32prog_otp_start`: one secure call with the whole structure; the buffer is freed after. */
  private otpStart(): boolean {
    const request = this.otpPart;
    if (!request) {
      this.fail('start OTP without data');
      return false;
    }
    this.otpPart = undefined;
    if (this.ctx.faults.otpNoProgram) {
      this.ctx.record('otp-program', this.phase, { result: 'ack', message: 'otp-no-program fault: nothing programmed' });
      return true;
    }
    const res = this.ctx.bsec.program(request, this.ctx.firmware);
    this.ctx.record('otp-program', this.phase, {
      result: res.ok ? 'ack' : 'abort',
      message: res.ok ? `programmed words ${res.programmed.join(',') || '(none)'}` : `stopped at word ${res.word ?? '-'}: ${res.reason}`,
    });
    if (!res.ok) this.fail(`OTP write issue ${this.ctx.firmware === 'optee' ? EIO : EINVAL}`);
    return res.ok;
  }

  private pmicRead(offset: number, n: number): Buffer | undefined {
    if (offset === 0) this.pmicPart = Buffer.from(this.ctx.pmicNvm);
    if (offset >= PMIC_SIZE) return undefined;
    return this.pmicPart.subarray(offset, Math.min(PMIC_SIZE, offset + n));
  }

  private pmicWrite(offset: number, data: Buffer): void {
    if (offset === 0) this.pmicPart.fill(0);
    if (offset < PMIC_SIZE) data.copy(this.pmicPart, offset, 0, Math.min(data.length, PMIC_SIZE - offset));
  }

  /** `stm32prog_write` through DFU: the flashlayout (RAM) in phase 0x00, else the current partition. */
  private flashWrite(data: Buffer): boolean {
    if (!this.curPart && this.phase !== Phase.FLASHLAYOUT) return false; // -ENODEV, no message
    const target = this.curPart ? this.curPart.id : Phase.FLASHLAYOUT;
    if (target === Phase.FLASHLAYOUT && this.cursor + data.length > FLASHLAYOUT_MAX_BYTES) {
      this.fail(`DFU write failed [${EINVAL}] cnt: ${this.dfuSeq}`);
      return false;
    }
    const end = this.cursor + data.length;
    const current = this.ctx.flash.get(target);
    let dl = this.flashStore;
    // A new transfer (packet 0), another target, or flash contents set from outside: a fresh store,
    // so views handed out before keep their bytes.
    if (this.cursor === 0 || !dl || dl.target !== target || dl.view !== current) {
      const old = this.cursor === 0 ? undefined : current;
      const buf = Buffer.alloc(Math.max(end, old?.length ?? 0, MIN_STORE_BYTES));
      old?.copy(buf);
      dl = this.flashStore = { target, buf, view: buf.subarray(0, old?.length ?? 0) };
    }
    if (end > dl.buf.length) {
      // Geometric growth: each byte is copied O(1) times over a transfer, not once per packet.
      const grown = Buffer.alloc(Math.max(end, dl.buf.length * 2));
      dl.buf.copy(grown, 0, 0, dl.view.length);
      dl.buf = grown;
    }
    data.copy(dl.buf, this.cursor);
    dl.view = dl.buf.subarray(0, Math.max(dl.view.length, end));
    this.ctx.flash.set(target, dl.view);
    this.dfuSeq = (this.dfuSeq + 1) & 0xffff;
    return true;
  }

  private async download(): Promise<CommandOutcome> {
    const { uart } = this.ctx;
    const addr = await uart.read(4);
    if ((await uart.getc()) !== xor(addr)) return this.answer({ result: 'nack', message: 'bad address checksum' });
    uart.result(Reply.ACK);
    const op = addr[0]!;
    const packet = ((addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
    if (op !== Phase.FLASHLAYOUT && op !== Phase.OTP && op !== Phase.PMIC) return this.answer({ result: 'nack', op, packet, message: 'unsupported OP' });
    if (packet === 0) {
      this.packetNumber = 0;
      this.cursor = 0;
    } else {
      this.packetNumber = (this.packetNumber + 1) >>> 0;
    }
    if (packet !== this.packetNumber) {
      this.packetNumber = (this.packetNumber - 1) >>> 0;
      return this.answer({ result: 'nack', op, packet, message: `bad packet number, expected ${(this.packetNumber + 1) >>> 0}` });
    }
    const nm1 = await uart.getc();
    const length = nm1 + 1;
    // TIMEOUT_SERIAL_BUFFER: one 30 ms window for the whole data, from when the device starts reading it.
    const data = await uart.readWithin(length, DeviceTiming.DOWNLOAD_WINDOW_MS);
    const check = data ? await uart.getc() : undefined;
    if (!data || check !== xor(data, nm1)) {
      // "wait to be sure that all data are received in the FIFO before flush"
      await uart.pause(DeviceTiming.BAD_PACKET_PAUSE_MS);
      this.packetNumber = (this.packetNumber - 1) >>> 0;
      return this.answer({ result: 'nack', op, packet, length, message: data ? 'bad data checksum' : 'data window timeout' });
    }
    if (this.abortPending) return this.answer({ ...ABORTED, op, packet, length });
    let ok = true;
    if (op === Phase.OTP) this.otpWrite(this.cursor, data);
    else if (op === Phase.PMIC) this.pmicWrite(this.cursor, data);
    else ok = this.flashWrite(data);
    if (!ok) return this.answer({ result: 'abort', op, packet, length, message: this.error || 'no partition to write' });
    this.cursor += length;
    const outcome = this.answer({ result: 'ack', op, packet, length });
    return this.ctx.faults.packet() ? { ...outcome, message: 'reset-after fault', then: { reset: true } } : outcome;
  }

  private async start(): Promise<CommandOutcome> {
    const { uart } = this.ctx;
    const addr = await uart.read(4);
    if ((await uart.getc()) !== xor(addr)) return this.answer({ result: 'nack', message: 'bad address checksum' });
    const address = be32(addr);
    if (this.abortPending) return this.answer({ ...ABORTED, address });
    const { ok, message } = this.startAddress(address);
    const outcome = this.answer({ result: ok ? 'ack' : 'abort', address, ...(message ? { message } : {}) });
    return this.doReset ? { ...outcome, then: { reset: true } } : outcome;
  }

  /** `stm32prog_start`. */
  private startAddress(address: number): { ok: boolean; message?: string } {
    if (address < 0x100) {
      if (address === Phase.OTP) return { ok: this.otpStart() };
      if (address === Phase.PMIC) {
        this.pmicPart.copy(this.ctx.pmicNvm);
        return { ok: true };
      }
      if (address === Phase.RESET || address === Phase.END) {
        this.curPart = undefined;
        this.dfuSeq = 0;
        this.phase = address;
        return { ok: true };
      }
      if (address !== this.phase) {
        this.fail(`invalid received phase id ${address}, current phase is ${this.phase}`);
        return { ok: false, message: this.error };
      }
    }
    if (address !== DEFAULT_ADDRESS && address !== this.phase) return { ok: false, message: 'jumped; the emulated code returned (-ENOEXEC)' };
    if (this.phase === Phase.END || this.phase === Phase.RESET) {
      this.curPart = undefined;
      this.doReset = true;
      return { ok: true, message: 'reset requested' };
    }
    if (!this.curPart && this.phase !== Phase.FLASHLAYOUT) return { ok: false, message: 'no partition to flush' };
    this.dfuSeq = 0;
    if (this.phase === Phase.FLASHLAYOUT) {
      const layout = parseLayout(this.ctx.flash.get(Phase.FLASHLAYOUT) ?? Buffer.alloc(0));
      if (!layout.ok) {
        this.fail(layout.error);
        return { ok: true, message: this.error };
      }
      this.parts = layout.parts;
    }
    const next = nextPhase(this.parts, this.phase);
    this.phase = next.phase;
    this.curPart = next.part;
    this.cursor = 0;
    return { ok: true };
  }
}
