import { InputError } from '../errors.js';
import type { SocFamily } from '../protocol/constants.js';
import { OTP_LAYOUTS, OTP_STRUCT_VERSION, structureSize } from '../otp/layout.js';
import { STATUS } from '../otp/status.js';

/**
 * The secure firmware behind partition 0xF2:
 * - 'optee': OP-TEE's STM32MP NVMEM trusted application (`nvmem_write`): programs the value, then
 *   applies only the permanent lock ("other are not relevant here"); sticky bits 27-29 are ignored.
 * - 'sp-min': TF-A SP_MIN `bsec_svc.c` (older MP15 images): applies every requested lock; its
 *   partition is 1024 bytes (`OTP_SIZE_SMC`), the structure zero-padded.
 */
export type SecureFirmware = 'optee' | 'sp-min';

interface WordState {
  /** The fuse bits (what a read returns when the word is readable). */
  value: number;
  permanentLock: boolean;
  stickyProg: boolean;
  stickyShadowWrite: boolean;
  stickyShadowRead: boolean;
  /** The fuse file said this word cannot be read (status bit 0): it keeps reading as an error. */
  readError: boolean;
  /** Upper (ECC) words are programmed once; a second programming fails in our model. */
  programmed: boolean;
}

export type ProgramResult = { ok: true; programmed: number[] } | { ok: false; programmed: number[]; word: number | undefined; reason: string };

/**
 * The BSEC (OTP) model of one board: per word value, permanent lock and three sticky locks.
 * Rules from shared/spec/otp-structure.md, checked against OP-TEE `ta/stm32mp_nvmem` `nvmem_write`
 * and `core/drivers/stm32_bsec.c`: programming only ORs bits in; a word with a permanent or sticky
 * programming lock refuses a non-zero value; words are processed in order and the first failure
 * stops the run, the words before it staying programmed.
 */
export class Bsec {
  readonly soc: SocFamily;
  readonly upperStart: number;
  private readonly words: WordState[];
  /** Sticky locks the boot firmware sets at every boot (loaded from the fuse file), per word. */
  private readonly bootSticky: { prog: boolean; write: boolean; read: boolean }[];
  globalState: number;

  /** `fuses`: an OTP structure v2 (776 bytes, or the 1024-byte SP_MIN partition). */
  constructor(soc: SocFamily, fuses: Uint8Array) {
    const layout = OTP_LAYOUTS[soc];
    const buf = Buffer.from(fuses.buffer, fuses.byteOffset, fuses.byteLength);
    if (buf.length < layout.size || buf.length % 8 !== 0) {
      throw new InputError('OTP_SIZE', `a fuse file for ${soc} is an OTP structure of ${layout.size} bytes; this one has ${buf.length}`, {
        details: { size: buf.length },
      });
    }
    const version = buf.readUInt32LE(0);
    if (version !== OTP_STRUCT_VERSION) {
      throw new InputError('OTP_VERSION', `fuse file: OTP structure version ${version}; only version 2 is supported`, { details: { version } });
    }
    this.soc = soc;
    this.upperStart = layout.upperStart;
    this.globalState = buf.readUInt32LE(4);
    this.words = [];
    this.bootSticky = [];
    for (let id = 0; id < layout.words; id++) {
      const value = buf.readUInt32LE(8 + 8 * id);
      const status = buf.readUInt32LE(12 + 8 * id);
      const readError = (status & STATUS.READ_ERROR) !== 0;
      this.words.push({
        value,
        permanentLock: (status & STATUS.PERMANENT_LOCK) !== 0,
        stickyProg: (status & STATUS.STICKY_PROG_LOCK) !== 0,
        stickyShadowWrite: (status & STATUS.STICKY_SHADOW_WRITE_LOCK) !== 0,
        stickyShadowRead: (status & STATUS.STICKY_SHADOW_READ_LOCK) !== 0,
        readError,
        programmed: value !== 0,
      });
      // A real read shows sticky bits that the boot firmware set (DK2 words 0 and 18): they are
      // set again at every boot, so a reset brings them back rather than clearing them.
      this.bootSticky.push({
        prog: (status & STATUS.STICKY_PROG_LOCK) !== 0,
        write: (status & STATUS.STICKY_SHADOW_WRITE_LOCK) !== 0,
        read: (status & STATUS.STICKY_SHADOW_READ_LOCK) !== 0,
      });
    }
  }

  get wordCount(): number {
    return this.words.length;
  }

  /** Board reset: sticky locks set over the protocol are gone; the boot firmware's come back. */
  reset(): void {
    this.words.forEach((w, id) => {
      const boot = this.bootSticky[id]!;
      w.stickyProg = boot.prog;
      w.stickyShadowWrite = boot.write;
      w.stickyShadowRead = boot.read;
    });
  }

  /** The value and status a read reports (status bits 27-30 from the locks, bit 0 read error, never 31). */
  readWord(id: number): { value: number; status: number } {
    const w = this.words[id]!;
    return this.report(w, { prog: w.stickyProg, write: w.stickyShadowWrite, read: w.stickyShadowRead });
  }

  /** The whole structure as a read returns it; `flips` XORs values (the otp-flip fault). */
  readStructure(flips?: ReadonlyMap<number, number>): Buffer {
    return this.structure((id) => this.readWord(id), flips);
  }

  /**
   * The fuses to continue a session with (--save-fuses): values and permanent locks as they are, but
   * only the sticky bits the boot firmware sets at every boot (those of the loaded file). Sticky locks
   * set over the protocol last until the board resets (otp-structure.md), so they must not come back
   * as boot-time locks when the saved file is loaded again.
   */
  savedStructure(): Buffer {
    return this.structure((id) => this.report(this.words[id]!, this.bootSticky[id]!));
  }

  private report(w: WordState, sticky: { prog: boolean; write: boolean; read: boolean }): { value: number; status: number } {
    // OP-TEE `nvmem_read`: a word that cannot be read is value 0, status "error detected" only.
    if (w.readError) return { value: 0, status: STATUS.READ_ERROR };
    let status = 0;
    if (w.permanentLock) status |= STATUS.PERMANENT_LOCK;
    if (sticky.read) status |= STATUS.STICKY_SHADOW_READ_LOCK;
    if (sticky.write) status |= STATUS.STICKY_SHADOW_WRITE_LOCK;
    if (sticky.prog) status |= STATUS.STICKY_PROG_LOCK;
    return { value: w.value >>> 0, status: status >>> 0 };
  }

  private structure(word: (id: number) => { value: number; status: number }, flips?: ReadonlyMap<number, number>): Buffer {
    const buf = Buffer.alloc(structureSize(this.words.length));
    buf.writeUInt32LE(OTP_STRUCT_VERSION, 0);
    buf.writeUInt32LE(this.globalState >>> 0, 4);
    for (let id = 0; id < this.words.length; id++) {
      const { value, status } = word(id);
      buf.writeUInt32LE((value ^ (flips?.get(id) ?? 0)) >>> 0, 8 + 8 * id);
      buf.writeUInt32LE(status, 12 + 8 * id);
    }
    return buf;
  }

  /**
   * Processes a write request (a whole structure): version must be 2, word 1 is ignored, words
   * 0..N-1 in order, only those with bit 31; the first failure stops the run.
   */
  program(request: Uint8Array, firmware: SecureFirmware): ProgramResult {
    const req = Buffer.from(request.buffer, request.byteOffset, request.byteLength);
    const programmed: number[] = [];
    if (req.length < 16 || req.length % 8 !== 0) return { ok: false, programmed, word: undefined, reason: `bad request size ${req.length}` };
    const version = req.readUInt32LE(0);
    if (version !== OTP_STRUCT_VERSION) return { ok: false, programmed, word: undefined, reason: `request version ${version}, expected 2` };
    const count = Math.min(this.words.length, req.length / 8 - 1);
    for (let id = 0; id < count; id++) {
      const value = req.readUInt32LE(8 + 8 * id);
      const status = req.readUInt32LE(12 + 8 * id);
      if ((status & STATUS.UPDATE_REQUEST) === 0) continue;
      const w = this.words[id]!;
      if (value !== 0) {
        const refused = this.refusal(id, w);
        if (refused) return { ok: false, programmed, word: id, reason: refused };
        w.value = (w.value | value) >>> 0;
        w.programmed = true;
      }
      if (status & STATUS.PERMANENT_LOCK) w.permanentLock = true;
      if (firmware === 'sp-min') {
        if (status & STATUS.STICKY_SHADOW_READ_LOCK) w.stickyShadowRead = true;
        if (status & STATUS.STICKY_SHADOW_WRITE_LOCK) w.stickyShadowWrite = true;
        if (status & STATUS.STICKY_PROG_LOCK) w.stickyProg = true;
      }
      programmed.push(id);
    }
    return { ok: true, programmed };
  }

  private refusal(id: number, w: WordState): string | undefined {
    if (w.permanentLock) return `OTP ${id} is permanently locked`;
    if (w.stickyProg) return `OTP ${id} has the sticky programming lock`;
    if (id >= this.upperStart && w.programmed) return `OTP ${id} is an upper (ECC) word already programmed`;
    return undefined;
  }
}
