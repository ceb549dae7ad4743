import { Command, commandName, DEFAULT_ADDRESS, DeviceTiming, Phase, ProductId, Reply, Version } from '../protocol/constants.js';
import { ABORTED, be32, le32, receiveCommand, RESULT_BYTE, xor, type CommandOutcome, type StageContext, type StageExit } from './device.js';
import { checkFsbl, FSBL_MAX_BYTES, isFipHeader } from './images.js';

/** ROM and TF-A know the same six commands (no Read Memory, no Read Partition). */
const COMMANDS = [Command.GET, Command.GET_VERSION, Command.GET_ID, Command.GET_PHASE, Command.START, Command.DOWNLOAD] as const;

/** ROM download address of the FSBL, in SYSRAM (serial-boot.md, from a real MP135F-DK capture). */
export const ROM_LOAD_ADDRESS = { STM32MP15: 0x2ffc2400, STM32MP13: 0x2ffdfe00 } as const;

/**
 * TF-A's FIP download buffer (`DWL_BUFFER_BASE`/`DWL_BUFFER_SIZE`, build-dependent): we report the
 * DDR base and take up to 16 MiB. Hosts must read the address from Get Phase, never assume it.
 */
export const TFA_FIP_BUFFER = { address: 0xc0000000, size: 16 * 1024 * 1024 } as const;

/** TF-A's error text buffer (`handle.error[64]`, snprintf): at most 63 characters. */
const TFA_ERROR_MAX = 63;

/**
 * The two programs before U-Boot, which share their loop (TF-A `stm32cubeprogrammer_uart.c`
 * `uart_read`; the ROM is closed, so it follows AN5275 and the same rules):
 * - every byte of a command must follow the previous within 20 ms (`PROGRAMMER_TIMEOUT_US`),
 *   else NACK; an unknown byte or bad complement → 3 ms pause, drain, NACK;
 * - Download ignores OP; the packet number must be the expected one (checked before the address
 *   checksum, so a wrong number is NACKed at once and the checksum byte lands in the loop);
 * - Start 0xFFFFFFFF checks the image, then the next stage boots.
 * Differences: the ROM ignores everything until the first 0x7F (it scans its UARTs for it), answers
 * Get Version with three bytes and Get Phase with L = 1, info 0x00; a bad image, an address other
 * than 0xFFFFFFFF or a packet beyond the size limit is NACKed and the ROM stays in phase 0x01 with
 * an empty buffer, so the host may start over (our choice: the ROM's answer is not documented).
 * TF-A starts with an unsolicited NACK and records errors as phase 0xFF (`STM32PROG_ERROR`).
 */
export class BootLoaderProgram {
  private phase: number;
  private packet = 0;
  private buffer: Buffer[] = [];
  private received = 0;
  private error = '';
  private readonly rom: boolean;
  /** abort-cmd fault on the command being handled: read its arguments, then ABORT. */
  private abortPending = false;

  constructor(
    private readonly ctx: StageContext,
    stage: 'rom' | 'tf-a',
  ) {
    this.rom = stage === 'rom';
    this.phase = this.rom ? Phase.FSBL : Phase.SSBL;
  }

  async run(): Promise<StageExit> {
    const { uart } = this.ctx;
    if (this.rom) {
      while ((await uart.getc()) !== Reply.INIT) {
        // Not yet connected: the ROM is still scanning for the sync byte.
      }
      uart.result(Reply.ACK);
    } else {
      // "STM32CubeProgrammer has already sent its command before TF-A has reached this point"
      uart.result(Reply.NACK);
    }
    for (;;) {
      const cmd = await receiveCommand(this.ctx, COMMANDS, () => this.phase, DeviceTiming.TFA_INTERBYTE_TIMEOUT_MS);
      if (!cmd) continue;
      this.abortPending = cmd.faults.abort;
      const { then, ...outcome } = await this.handle(cmd.code);
      // TF-A: every command ends with a result byte (ACK on success, NACK on failure).
      uart.result(RESULT_BYTE[outcome.result]);
      this.ctx.record('command', this.phase, { code: cmd.code, name: commandName(cmd.code), ...outcome });
      if (then) return then;
    }
  }

  private handle(code: number): Promise<CommandOutcome> | CommandOutcome {
    const { uart, soc } = this.ctx;
    const id = soc === 'STM32MP15' ? ProductId.STM32MP15 : ProductId.STM32MP13;
    if (this.abortPending && code !== Command.DOWNLOAD && code !== Command.START) return ABORTED;
    switch (code) {
      case Command.GET:
        uart.put([COMMANDS.length, Version.PROTOCOL, ...COMMANDS]);
        return { result: 'ack' };
      case Command.GET_VERSION:
        // ROM: version + two option bytes (AN3155 style); TF-A: STM32_TF_VERSION only (0x00 here).
        uart.put(this.rom ? [Version.ROM_LOADER, 0x00, 0x00] : [0x00]);
        return { result: 'ack' };
      case Command.GET_ID:
        uart.put([0x01, id >> 8, id & 0xff]);
        return { result: 'ack' };
      case Command.GET_PHASE:
        return this.getPhase();
      case Command.DOWNLOAD:
        return this.download();
      default:
        return this.start();
    }
  }

  private getPhase(): CommandOutcome {
    // TF-A's `uart_read` answers Get Phase with `uart_send_phase(buffer)`: the FIP buffer address in
    // every phase, 0xFF included (the error only clears `handle.addr`, which Get Phase does not send).
    const address = this.rom ? ROM_LOAD_ADDRESS[this.ctx.soc] : TFA_FIP_BUFFER.address;
    // ROM: always L = 1 and one info byte 0x00 (real capture); TF-A: the error text in phase 0xFF.
    const info = this.rom ? Buffer.from([0x00]) : this.phase === Phase.RESET ? Buffer.from(this.error, 'latin1') : Buffer.alloc(0);
    this.ctx.uart.put(Buffer.concat([Buffer.from([5 + info.length, this.phase]), le32(address), Buffer.from([info.length]), info]));
    // TF-A returns from `uart_read` after answering in phase 0xFF; the board then resets.
    if (!this.rom && this.phase === Phase.RESET) return { result: 'ack', address, message: this.error, then: { reset: true } };
    return { result: 'ack', address };
  }

  private async download(): Promise<CommandOutcome> {
    const { uart } = this.ctx;
    const gap = DeviceTiming.TFA_INTERBYTE_TIMEOUT_MS;
    const addr = await uart.readWithGaps(4, gap);
    if (!addr) return { result: 'nack', message: 'timeout in address' };
    const op = addr[0]!;
    const packet = ((addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
    if (packet !== this.packet) return { result: 'nack', op, packet, message: `bad packet number, expected ${this.packet}` };
    const check = await uart.getcWithin(gap);
    if (check === undefined || check !== xor(addr)) return { result: 'nack', op, packet, message: 'bad address checksum' };
    uart.result(Reply.ACK);
    const lengthByte = await uart.getcWithin(gap);
    if (lengthByte === undefined) return { result: 'nack', op, packet, message: 'timeout before length' };
    const n = lengthByte + 1;
    const limit = this.rom ? FSBL_MAX_BYTES[this.ctx.soc] : TFA_FIP_BUFFER.size;
    if (this.received + n > limit) {
      if (this.rom) return { result: 'nack', op, packet, length: n, message: 'FSBL larger than the ROM takes' };
      this.fail(`Download overflow at 0x${(TFA_FIP_BUFFER.address + this.received + n).toString(16)}\n`);
      return { result: 'ack', op, packet, length: n, message: this.error };
    }
    const rest = await uart.readWithGaps(n + 1, gap);
    if (!rest) return { result: 'nack', op, packet, length: n, message: 'timeout in data' };
    const data = rest.subarray(0, n);
    if (xor(data, lengthByte) !== rest[n]) return { result: 'nack', op, packet, length: n, message: 'bad data checksum' };
    if (this.abortPending) return { ...ABORTED, op, packet, length: n };
    this.buffer.push(Buffer.from(data));
    this.received += n;
    this.packet++;
    if (this.ctx.faults.packet()) return { result: 'ack', op, packet, length: n, message: 'reset-after fault', then: { reset: true } };
    return { result: 'ack', op, packet, length: n };
  }

  private async start(): Promise<CommandOutcome> {
    const { uart } = this.ctx;
    const gap = DeviceTiming.TFA_INTERBYTE_TIMEOUT_MS;
    const addr = await uart.readWithGaps(4, gap);
    const check = addr && (await uart.getcWithin(gap));
    if (!addr || check === undefined || check !== xor(addr)) return { result: 'nack', message: 'bad address checksum' };
    const address = be32(addr);
    if (this.abortPending) return { ...ABORTED, address };
    const image = Buffer.concat(this.buffer);
    if (this.rom) {
      const why = address !== DEFAULT_ADDRESS ? `start address 0x${address.toString(16)} is not 0xffffffff` : checkFsbl(this.ctx.soc, image);
      if (why) {
        this.buffer = [];
        this.received = 0;
        this.packet = 0;
        return { result: 'nack', address, message: why };
      }
      this.ctx.flash.set(Phase.FSBL, image);
      return { result: 'ack', address, then: { next: 'tf-a' } };
    }
    if (address !== DEFAULT_ADDRESS) {
      this.fail(`Invalid start at ${address.toString(16)}, for phase ${this.phase}\n`);
      return { result: 'ack', address, message: this.error };
    }
    if (!isFipHeader(image)) {
      this.fail(`FIP Header check failed ${TFA_FIP_BUFFER.address.toString(16)}, for phase ${this.phase}\n`);
      return { result: 'nack', address, message: this.error };
    }
    if (this.phase !== Phase.SSBL) return { result: 'ack', address };
    this.ctx.flash.set(Phase.SSBL, image);
    return { result: 'ack', address, then: { next: 'u-boot' } };
  }

  /** TF-A `STM32PROG_ERROR`: the first error is kept, phase 0xFF, the download is dropped. */
  private fail(message: string): void {
    if (this.phase === Phase.RESET) return;
    this.error = message.slice(0, TFA_ERROR_MAX);
    this.phase = Phase.RESET;
    this.buffer = [];
    this.received = TFA_FIP_BUFFER.size; // handle.len = 0: any further packet overflows
    this.packet = 0;
    this.ctx.record('error', this.phase, { message: this.error });
  }
}
