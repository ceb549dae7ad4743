import { Command, commandName, COMMAND_NAMES, Phase, Reply } from '../protocol/constants.js';
import { lengthMayGoAhead } from '../protocol/read-partition.js';
import { durationText, hex2, hex8, isTextByte } from './decode-content.js';
import { addressFrame, answerFrame, dataFrame, HEX, lengthFrame, queryAnswerFrame, readAnswerFrame, strayFrame, type FrameAt } from './decode-frames.js';
import { OtpTracker } from './decode-otp.js';
import type { AnswerTo, CaptureDecoder, DecodedFrame, DecoderChunk, DecoderOptions } from './decode-types.js';

export type * from './decode-types.js';
export { frameTraceLine } from './decode-frames.js';

/**
 * The streaming capture decoder: a pure state machine over the bytes of both directions, in wire
 * order, that follows the host/device conversation of AN5275 (an5275-uart.md "Commands",
 * serial-boot.md for the ROM code and TF-A forms). It never throws and never loses a byte: what fits
 * no frame becomes text / unknown frames, and the machine re-synchronises on the next 0x7F or
 * command + complement pair, so a capture that starts mid-command or carries garbage still decodes.
 *
 * Speed: bytes are read by index from the chunk Buffers; the only per-frame allocations are the
 * frame object and its strings, and bulk fields (packet data, read data, text) are copied with
 * Buffer.copy into preallocated accumulators.
 */

// Steps of the conversation (plain numbers: a flat switch, no allocation).
const IDLE = 0;
const SYNC = 1; // host 0x7F run
const SYNC_ANSWER = 2;
const CMD_COMPL = 3;
const CMD_ACK = 4;
const COUNT = 5; // Get / Get ID / Get Phase: count byte
const COUNTED_BODY = 6;
const FINAL_ACK = 7;
const GV_VERSION = 8;
const GV_NEXT = 9; // ACK (1-byte form) or option byte 1 (ROM's 3-byte form)
const GV_OPT = 10;
const ADDR = 11;
const ADDR_ACK = 12;
const LEN = 13;
const READ_FIRST = 14; // ACK that starts the data, or NACK / ABORT
const READ_BODY = 15;
const DATA_LEN = 16;
const DATA_BODY = 17;
const DATA_ACK = 18;
const START_ANSWER = 19;
const IGNORED = 20; // host packet after the device rejected the Download target
const BAD_COMPL = 21; // known command code + wrong complement: a NACK makes it that command, rejected
const LEN_AHEAD = 22; // Read Partition length sent before the address answer (the link's send-ahead)
const AHEAD_ACK = 23; // that length is complete; the address answer is still to come

const ACC_MAX = 1024; // ≥ the largest frame: 0x79 + count + 256 + 0x79, or N-1 + 256 + XOR
const STRAY_MAX = 512;
const DEFAULT_GAP_MS = 100;

/** 1 for the bytes a boot log is made of (isTextByte), as a table for the hot loop. */
const TEXT_BYTE = Uint8Array.from({ length: 256 }, (_, b) => (isTextByte(b) ? 1 : 0));

class StreamDecoder implements CaptureDecoder {
  private out: DecodedFrame[] = [];
  private readonly gapUs: number;
  private step = IDLE;
  private code = -1;
  private need = 0;
  // The protocol frame being accumulated.
  private readonly acc = Buffer.allocUnsafe(ACC_MAX);
  private accLen = 0;
  private accT = 0;
  private accPos = 0;
  private xor = 0;
  private ignoring = false;
  // A run of bytes that fit no frame (boot log text, junk).
  private readonly stray = Buffer.allocUnsafe(STRAY_MAX);
  private strayLen = 0;
  private strayT = 0;
  private strayPos = 0;
  private strayTx = false;
  private strayTxSinceAnswer = false;
  // Command context.
  private cand = 0;
  private candT = 0;
  private candPos = 0;
  private candCompl = 0;
  private candComplT = 0;
  private op = -1;
  private packet = -1;
  private partition = -1;
  private offset = 0;
  private readLen = 0;
  // The address answer that crossed a length sent ahead on the line (full duplex): -1 = none yet.
  private aheadAnswer = -1;
  private aheadAnswerT = 0;
  private aheadAnswerPos = 0;
  private pendingOtp: Buffer | undefined;
  private readonly otp = new OtpTracker();
  // Time and positions.
  private txPos = 0;
  private rxPos = 0;
  private lastT: number | undefined;
  private chunkT = 0;
  private chunkBase = 0;
  private deferred: DecodedFrame[] = [];

  constructor(options: DecoderOptions) {
    this.gapUs = (options.gapMs ?? DEFAULT_GAP_MS) * 1000;
  }

  push(chunk: DecoderChunk): DecodedFrame[] {
    const out: DecodedFrame[] = (this.out = []);
    const d = chunk.data;
    const n = d.length;
    if (n === 0) return out;
    const tx = chunk.dir === 'tx';
    if (this.lastT !== undefined && chunk.t - this.lastT > this.gapUs) {
      this.flushStray();
      const us = chunk.t - this.lastT;
      const gap: DecodedFrame = { kind: 'gap', t: this.lastT, dir: 'none', pos: -1, bytes: '', durationUs: us, summary: `gap ${durationText(us)}` };
      // Keep frames in time order: a gap inside a frame being accumulated follows that frame.
      if (this.accLen > 0 || this.step === BAD_COMPL) this.deferred.push(gap);
      else out.push(gap);
    }
    this.lastT = chunk.t;
    this.chunkT = chunk.t;
    this.chunkBase = tx ? this.txPos : this.rxPos;
    let i = 0;
    while (i < n) i = this.consume(d, i, n, tx);
    if (tx) this.txPos += n;
    else this.rxPos += n;
    return out;
  }

  end(): DecodedFrame[] {
    this.out = [];
    const s = this.step;
    if (s === SYNC) {
      this.closeSync();
      this.noAnswer('the answer to sync', true, false);
    } else if (s === CMD_COMPL) this.strayAdd(this.cand, this.candT, this.candPos, true);
    else if (s === BAD_COMPL) this.badPairIsStray();
    else if (s === ADDR && this.accLen > 0) this.closeAddress(true);
    else if (s === LEN && this.accLen > 0) this.closeLength(true);
    else if (s === LEN_AHEAD) this.closeLengthAhead(true);
    else if ((s === DATA_BODY || s === DATA_LEN) && this.accLen > 0) this.closeData(true);
    else if (s === READ_BODY) this.closeRead(true);
    else if (s >= COUNT && s <= GV_OPT && this.accLen > 0) this.closeQuery(true);
    else if (s === SYNC_ANSWER) this.noAnswer('the answer to sync', true, false);
    else if (s === CMD_ACK || s === COUNT || s === GV_VERSION) this.noAnswer(`the answer to ${commandName(this.code)}`, true);
    else if (s === ADDR_ACK || s === START_ANSWER || s === AHEAD_ACK) this.noAnswer(`the answer to the ${commandName(this.code)} address`, true);
    else if (s === READ_FIRST) this.noAnswer(`the ${commandName(this.code)} data`, true);
    else if (s === DATA_ACK) this.noAnswer('the answer to the Download packet', true);
    this.flushStray();
    this.accLen = 0;
    this.step = IDLE;
    this.flushDeferred();
    return this.out;
  }

  /** Consumes at least one byte at `i`; returns the next index. */
  private consume(d: Buffer, i: number, n: number, tx: boolean): number {
    const b = d[i]!;
    switch (this.step) {
      case IDLE:
        return this.idle(d, i, n, tx);
      case SYNC:
        if (tx && b === Reply.INIT) {
          this.acc[this.accLen++] = b;
          return i + 1;
        }
        this.closeSync();
        this.step = SYNC_ANSWER;
        return i;
      case SYNC_ANSWER:
        if (tx) {
          if (b !== Reply.INIT) this.noAnswer('the answer to sync', false, false);
          this.step = IDLE;
          return i;
        }
        if (b === Reply.ACK || b === Reply.NACK) {
          this.flushStray();
          this.answer(b, 'sync', this.chunkBase + i, b === Reply.NACK ? 'already synchronised (the device NACKs 0x7F inside a command loop)' : undefined);
          this.step = IDLE;
          return i + 1;
        }
        return this.rxStray(d, i, n, true); // boot log while the sync waits
      case CMD_COMPL:
        if (tx && ((this.cand ^ b) & 0xff) === 0xff) {
          this.flushStray();
          this.commandFrame(b);
          return i + 1;
        }
        if (tx && i + 1 === n && this.maybeBadComplement(this.cand, b)) return i + 1;
        // Not a command: the first byte was stray; look at this one afresh.
        this.strayAdd(this.cand, this.candT, this.candPos, true);
        this.step = IDLE;
        return i;
      case CMD_ACK:
        if (tx) return this.hostMovedOn(i, `the answer to ${commandName(this.code)}`);
        this.commandAck(b, this.chunkBase + i);
        return i + 1;
      case COUNT:
      case GV_VERSION:
        if (tx) return this.cutQuery(i);
        this.acc[this.accLen++] = b;
        if (this.step === COUNT) {
          this.need = b + 1;
          this.step = COUNTED_BODY;
        } else this.step = GV_NEXT;
        return i + 1;
      case COUNTED_BODY: {
        if (tx) return this.cutQuery(i);
        const k = this.take(d, i, n);
        if (this.need === 0) this.step = FINAL_ACK;
        return i + k;
      }
      case GV_NEXT:
      case GV_OPT:
      case FINAL_ACK:
        if (tx) return this.cutQuery(i);
        this.acc[this.accLen++] = b;
        if (this.step === GV_NEXT && b !== Reply.ACK) this.step = GV_OPT;
        else if (this.step === GV_OPT) this.step = FINAL_ACK;
        else this.closeQuery(false);
        return i + 1;
      case ADDR:
      case LEN: {
        if (!tx) return this.deviceGaveUp(d, i);
        if (this.accLen === 0) this.open(i);
        const k = this.take(d, i, n);
        if (this.need === 0) {
          if (this.step === ADDR) this.closeAddress(false);
          else this.closeLength(false);
        }
        return i + k;
      }
      case ADDR_ACK:
        if (tx) {
          if (this.code === Command.READ_PARTITION && lengthMayGoAhead(b + 1)) return this.openLengthAhead(i);
          return this.hostMovedOn(i, `the answer to the ${commandName(this.code)} address`);
        }
        this.addressAck(b, this.chunkBase + i);
        return i + 1;
      case LEN_AHEAD: {
        if (!tx) {
          if (this.aheadAnswer >= 0) {
            // A second device byte before the length was complete: the device did not wait for it.
            this.closeLengthAhead(true);
            this.step = IDLE;
            return i;
          }
          // The address answer, sent while the length was still on the line: kept until the
          // length frame (which started first) is out.
          this.aheadAnswer = b;
          this.aheadAnswerT = this.chunkT;
          this.aheadAnswerPos = this.chunkBase + i;
          return i + 1;
        }
        const k = this.take(d, i, n);
        if (this.need === 0) this.closeLengthAhead(false);
        return i + k;
      }
      case AHEAD_ACK:
        if (tx) return this.hostMovedOn(i, `the answer to the ${commandName(this.code)} address`);
        this.aheadAddressAnswer(b, this.chunkT, this.chunkBase + i);
        return i + 1;
      case READ_FIRST:
        if (tx) return this.hostMovedOn(i, `the ${commandName(this.code)} data`);
        if (b === Reply.ACK) {
          this.open(i);
          this.acc[this.accLen++] = b;
          this.need = this.readLen;
          this.step = READ_BODY;
          if (this.need === 0) this.closeRead(false);
        } else {
          this.answer(b, 'length', this.chunkBase + i);
          this.step = IDLE;
        }
        return i + 1;
      case READ_BODY: {
        if (tx) {
          this.closeRead(true);
          this.step = IDLE;
          return i;
        }
        const k = this.take(d, i, n);
        if (this.need === 0) this.closeRead(false);
        return i + k;
      }
      case BAD_COMPL:
        if (!tx && b === Reply.NACK) {
          this.flushStray();
          this.commandFrame(this.candCompl);
          this.answer(b, 'command', this.chunkBase + i, 'command rejected: bad complement');
          this.step = IDLE;
          return i + 1;
        }
        // No NACK: not a command after all. Look at the second byte afresh as the old path did.
        this.strayAdd(this.cand, this.candT, this.candPos, true);
        if (tx) {
          this.cand = this.candCompl;
          this.candT = this.candComplT;
          this.candPos += 1;
          this.step = CMD_COMPL;
        } else {
          this.strayAdd(this.candCompl, this.candComplT, this.candPos + 1, true);
          this.step = IDLE;
        }
        return i;
      case IGNORED:
      case DATA_LEN:
        if (!tx) {
          if (this.step === DATA_LEN && b === Reply.NACK) {
            // ACK of the address, then NACK at once: an unsupported target (an5275-uart.md Download).
            this.answer(b, 'address', this.chunkBase + i, 'target rejected right after its address ACK (unsupported OP): host bytes that follow are ignored by the device');
            this.step = IGNORED;
            return i + 1;
          }
          this.step = IDLE;
          return i;
        }
        this.ignoring = this.step === IGNORED;
        this.open(i);
        this.acc[this.accLen++] = b;
        this.xor = b;
        this.need = b + 2; // N data bytes + XOR
        this.step = DATA_BODY;
        return i + 1;
      case DATA_BODY: {
        if (!tx) return this.dataCut(d, i);
        const start = this.accLen;
        const k = this.take(d, i, n);
        let x = this.xor;
        const a = this.acc;
        for (let j = start; j < start + k; j++) x ^= a[j]!;
        this.xor = x;
        if (this.need === 0) this.closeData(false);
        return i + k;
      }
      case DATA_ACK:
      case START_ANSWER:
        if (tx) return this.hostMovedOn(i, this.step === DATA_ACK ? 'the answer to the Download packet' : 'the answer to the Start address');
        this.finalAnswer(b, this.chunkBase + i);
        return i + 1;
      default:
        this.step = IDLE;
        return i;
    }
  }

  private idle(d: Buffer, i: number, n: number, tx: boolean): number {
    const b = d[i]!;
    if (!tx) return this.rxStray(d, i, n, false);
    if (b === Reply.INIT) {
      this.flushStray();
      this.open(i);
      this.acc[this.accLen++] = b;
      this.step = SYNC;
      return i + 1;
    }
    if (i + 2 === n && ((b ^ d[i + 1]!) & 0xff) !== 0xff) {
      this.candT = this.chunkT;
      this.candPos = this.chunkBase + i;
      if (this.maybeBadComplement(b, d[i + 1]!)) return i + 2;
    }
    if (i + 1 < n && ((b ^ d[i + 1]!) & 0xff) !== 0xff) {
      // Host garbage: take every byte up to the next 0x7F or command + complement pair at once.
      let j = i + 1;
      while (j + 1 < n) {
        const c = d[j]!;
        if (c === Reply.INIT || ((c ^ d[j + 1]!) & 0xff) === 0xff) break;
        j++;
      }
      for (let k = i; k < j; k++) this.strayAdd(d[k]!, this.chunkT, this.chunkBase + k, true);
      return j;
    }
    this.cand = b;
    this.candT = this.chunkT;
    this.candPos = this.chunkBase + i;
    this.step = CMD_COMPL;
    return i + 1;
  }

  /**
   * A known command code followed by a byte that is not its complement, as the last two bytes of a
   * host write: the device reads them as a command and NACKs the bad complement (an5275-uart.md
   * "Entering the loop" step 2). Whether it did is only known from the next byte, so the pair waits
   * in BAD_COMPL. A 0x7F second byte stays a sync. `candT` / `candPos` locate the first byte.
   */
  private maybeBadComplement(code: number, second: number): boolean {
    if (COMMAND_NAMES[code] === undefined || second === Reply.INIT) return false;
    this.cand = code;
    this.candCompl = second;
    this.candComplT = this.chunkT;
    this.step = BAD_COMPL;
    return true;
  }

  /** The capture ended before the device answered the pair: stray host bytes, as before. */
  private badPairIsStray(): void {
    this.strayAdd(this.cand, this.candT, this.candPos, true);
    this.strayAdd(this.candCompl, this.candComplT, this.candPos + 1, true);
  }

  /** Device bytes with no command waiting for them: NACK (stage or stray rejection), text, junk. */
  private rxStray(d: Buffer, i: number, n: number, waitingSync: boolean): number {
    const b = d[i]!;
    const runOpen = this.strayLen > 0 && !this.strayTx;
    if (b === Reply.NACK) {
      this.flushStray();
      if (this.strayTxSinceAnswer) this.answer(b, 'stray', this.chunkBase + i, 'the device rejected stray host bytes');
      else {
        this.emit({
          kind: 'stage',
          t: this.chunkT,
          dir: 'rx',
          pos: this.chunkBase + i,
          bytes: '1f',
          summary: 'NACK with no command pending: stage announced / entered its loop',
        });
      }
      this.strayTxSinceAnswer = false;
      return i + 1;
    }
    if (!runOpen && !waitingSync && (b === Reply.ACK || b === Reply.ABORT)) {
      this.flushStray();
      this.answer(b, 'unexpected', this.chunkBase + i, 'no command was waiting for it');
      return i + 1;
    }
    if (this.strayLen > 0 && this.strayTx) this.flushStray();
    let j = i;
    while (j < n) {
      const c = d[j]!;
      if (c === Reply.NACK || (waitingSync && c === Reply.ACK)) break;
      if (this.strayLen === STRAY_MAX) this.flushStray();
      if (this.strayLen === 0) {
        this.strayT = this.chunkT;
        this.strayPos = this.chunkBase + j;
        this.strayTx = false;
      }
      this.stray[this.strayLen++] = c;
      j++;
    }
    return j;
  }

  private strayAdd(b: number, t: number, pos: number, tx: boolean): void {
    if (this.strayLen > 0 && (this.strayTx !== tx || this.strayLen === STRAY_MAX)) this.flushStray();
    if (this.strayLen === 0) {
      this.strayT = t;
      this.strayPos = pos;
      this.strayTx = tx;
    }
    this.stray[this.strayLen++] = b;
    if (tx) this.strayTxSinceAnswer = true;
  }

  private flushStray(): void {
    const len = this.strayLen;
    if (len === 0) return;
    this.strayLen = 0;
    let printable = 0;
    for (let j = 0; j < len; j++) printable += TEXT_BYTE[this.stray[j]!]!;
    this.emit(strayFrame(this.stray, len, printable, this.strayT, this.strayPos, this.strayTx));
  }

  /** Copies up to `need` bytes into the accumulator; returns how many. */
  private take(d: Buffer, i: number, n: number): number {
    const k = Math.min(this.need, n - i, ACC_MAX - this.accLen);
    // Buffer.copy has a fixed cost that dominates for address and length fields.
    if (k <= 16) for (let j = 0; j < k; j++) this.acc[this.accLen + j] = d[i + j]!;
    else d.copy(this.acc, this.accLen, i, i + k);
    this.accLen += k;
    this.need -= k;
    return k;
  }

  private open(i: number): void {
    this.accLen = 0;
    this.accT = this.chunkT;
    this.accPos = this.chunkBase + i;
  }

  private accHex(): string {
    return this.acc.toString('hex', 0, this.accLen);
  }

  private emit(f: DecodedFrame): void {
    this.out.push(f);
    if (this.deferred.length > 0 && this.accLen === 0) this.flushDeferred();
  }

  private flushDeferred(): void {
    if (this.deferred.length === 0) return;
    for (const g of this.deferred) this.out.push(g);
    this.deferred = [];
  }

  private closeSync(): void {
    const count = this.accLen;
    const f: DecodedFrame = { kind: 'sync', t: this.accT, dir: 'tx', pos: this.accPos, bytes: this.accHex(), count, summary: count === 1 ? 'sync 0x7F' : `sync 0x7F ×${count}` };
    this.accLen = 0;
    this.emit(f);
  }

  private commandFrame(complement: number): void {
    const code = this.cand;
    const known = COMMAND_NAMES[code] !== undefined;
    const command = commandName(code);
    const complementOk = ((code ^ complement) & 0xff) === 0xff;
    this.code = code;
    this.step = CMD_ACK;
    const summary = !complementOk
      ? `${command} (${hex2(code)}) command, complement BAD (${hex2(complement)}, expected ${hex2(~code & 0xff)})`
      : known
        ? `${command} (${hex2(code)}) command`
        : `${command} (the device does not know it: NACK expected)`;
    this.emit({
      kind: 'command',
      t: this.candT,
      dir: 'tx',
      pos: this.candPos,
      bytes: HEX[code]! + HEX[complement]!,
      command,
      code,
      known,
      complementOk,
      summary,
    });
  }

  private answer(b: number, to: AnswerTo, pos: number, note?: string): void {
    if (b === Reply.ACK || b === Reply.NACK || b === Reply.ABORT) this.strayTxSinceAnswer = false;
    this.emit(answerFrame(b, to, this.code, this.chunkT, pos, note));
  }

  private at(): FrameAt {
    return { t: this.accT, pos: this.accPos, bytes: this.accHex() };
  }

  private commandAck(b: number, pos: number): void {
    if (b !== Reply.ACK) {
      this.answer(b, 'command', pos, b === Reply.NACK ? 'command rejected' : undefined);
      this.step = IDLE;
      return;
    }
    switch (this.code) {
      case Command.GET:
      case Command.GET_ID:
      case Command.GET_PHASE:
      case Command.GET_VERSION:
        this.accLen = 0;
        this.accT = this.chunkT;
        this.accPos = pos;
        this.acc[this.accLen++] = b;
        this.step = this.code === Command.GET_VERSION ? GV_VERSION : COUNT;
        return;
      case Command.READ_PARTITION:
      case Command.READ_MEMORY:
      case Command.START:
      case Command.DOWNLOAD:
        this.answer(b, 'command', pos);
        this.need = this.code === Command.READ_PARTITION ? 6 : 5;
        this.accLen = 0;
        this.step = ADDR;
        return;
      default:
        this.answer(b, 'command', pos, 'the device accepted a command this decoder does not know');
        this.step = IDLE;
    }
  }

  private addressAck(b: number, pos: number): void {
    this.answer(b, 'address', pos, b === Reply.NACK ? 'address rejected' : undefined);
    if (b !== Reply.ACK) {
      this.step = IDLE;
      return;
    }
    this.accLen = 0;
    if (this.code === Command.DOWNLOAD) this.step = DATA_LEN;
    else {
      this.need = 2;
      this.step = LEN;
    }
  }

  private finalAnswer(b: number, pos: number): void {
    if (this.step === START_ANSWER) {
      this.answer(b, 'address', pos, b === Reply.ABORT ? 'the operation failed' : b === Reply.NACK ? 'rejected' : undefined);
    } else {
      this.answer(b, 'data', pos, b === Reply.NACK ? 'packet rejected (checksum, packet number or timeout): the same packet may be sent again' : b === Reply.ABORT ? 'the device refused to store it' : undefined);
      if (b === Reply.ACK && this.pendingOtp) {
        const f = this.otp.onWrite(this.packet, this.pendingOtp, this.chunkT, pos);
        if (f) this.emit(f);
      }
    }
    this.pendingOtp = undefined;
    this.step = IDLE;
  }

  /** The device stopped waiting for the host (timeout NACK) or sent something else mid-field. */
  private deviceGaveUp(d: Buffer, i: number): number {
    if (this.accLen > 0) {
      if (this.step === ADDR) this.closeAddress(true);
      else this.closeLength(true);
    }
    this.step = IDLE;
    const b = d[i]!;
    if (b === Reply.NACK || b === Reply.ABORT) {
      this.answer(b, 'address', this.chunkBase + i, 'before the host finished the field (device timeout)');
      return i + 1;
    }
    return i;
  }

  private hostMovedOn(i: number, awaiting: string): number {
    this.noAnswer(awaiting);
    this.step = IDLE;
    return i;
  }

  private noAnswer(awaiting: string, atEnd = false, forCommand = true): void {
    const f: DecodedFrame = {
      kind: 'no-answer',
      t: this.chunkT,
      dir: 'none',
      pos: -1,
      bytes: '',
      awaiting,
      summary: atEnd ? `the capture ends while waiting for ${awaiting}` : `no ${awaiting} before the host went on`,
    };
    if (forCommand && this.code >= 0) f.command = commandName(this.code);
    this.emit(f);
  }

  private cutQuery(i: number): number {
    this.closeQuery(true);
    this.step = IDLE;
    return i;
  }

  private closeQuery(truncated: boolean): void {
    const f = queryAnswerFrame(this.code, this.acc, this.accLen, this.at(), truncated);
    this.accLen = 0;
    this.step = IDLE;
    this.emit(f);
  }

  private closeAddress(truncated: boolean): void {
    const f = addressFrame(this.code, this.acc, this.accLen, this.at(), truncated);
    if (f.partition !== undefined) this.partition = f.partition;
    if (f.offset !== undefined) this.offset = f.offset;
    if (f.address !== undefined) this.offset = f.address;
    if (f.op !== undefined) this.op = f.op;
    if (f.packet !== undefined) this.packet = f.packet;
    this.accLen = 0;
    this.step = this.code === Command.START ? START_ANSWER : ADDR_ACK;
    this.emit(f);
  }

  private closeLength(truncated: boolean): void {
    const f = lengthFrame(this.code, this.acc, this.at(), truncated);
    this.readLen = f.length;
    this.accLen = 0;
    this.step = READ_FIRST;
    this.emit(f);
  }

  /**
   * Host bytes after a Read Partition address, before its answer: the length sent ahead (U-Boot
   * ACKs the address with a plain putc and reads on, an5275-uart.md "Read Partition"). Only for a
   * first byte `lengthMayGoAhead` allows, as the link does: a 0x7F or a command code there is a host
   * that gave up waiting (a re-sync, a new command), decoded as before.
   */
  private openLengthAhead(i: number): number {
    this.open(i);
    this.need = 2;
    this.aheadAnswer = -1;
    this.step = LEN_AHEAD;
    return i;
  }

  private closeLengthAhead(truncated: boolean): void {
    const f = lengthFrame(this.code, this.acc, this.at(), truncated, true);
    this.readLen = f.length;
    this.accLen = 0;
    this.step = AHEAD_ACK;
    this.emit(f);
    const b = this.aheadAnswer;
    this.aheadAnswer = -1;
    if (b >= 0) this.aheadAddressAnswer(b, this.aheadAnswerT, this.aheadAnswerPos);
  }

  /** The address answer after a length sent ahead: ACK → the data answer comes next. */
  private aheadAddressAnswer(b: number, t: number, pos: number): void {
    const nack = b === Reply.NACK;
    const note = nack ? 'address rejected: the length sent ahead reaches the command loop as stray bytes' : undefined;
    this.emit(answerFrame(b, 'address', this.code, t, pos, note));
    this.strayTxSinceAnswer = nack; // the device NACKs the stray length pair next
    this.step = b === Reply.ACK ? READ_FIRST : IDLE;
  }

  private closeRead(truncated: boolean): void {
    const where = this.code === Command.READ_PARTITION ? `partition ${hex2(this.partition)} offset ${hex8(this.offset)}` : `address ${hex8(this.offset)}`;
    const f = readAnswerFrame(this.code, Math.max(0, this.accLen - 1), this.readLen, where, this.at(), truncated);
    const otpData = !truncated && this.code === Command.READ_PARTITION && this.partition === Phase.OTP ? Buffer.from(this.acc.subarray(1, this.accLen)) : undefined;
    this.accLen = 0;
    this.step = IDLE;
    this.emit(f);
    if (otpData) {
      const o = this.otp.onRead(this.offset, otpData, this.chunkT, f.pos);
      if (o) this.emit(o);
    }
  }

  private dataCut(d: Buffer, i: number): number {
    const a = this.acc;
    if (this.ignoring && this.accLen > 0 && a.subarray(0, this.accLen).every((c) => c === Reply.INIT)) {
      // What looked like an ignored packet was the host re-syncing (0x7F …) after the rejection.
      this.closeSync();
      this.ignoring = false;
      this.step = SYNC_ANSWER;
      return i;
    }
    const wasIgnored = this.ignoring;
    this.closeData(true);
    this.step = IDLE;
    const b = d[i]!;
    if (b === Reply.NACK && !wasIgnored) {
      this.answer(b, 'data', this.chunkBase + i, 'before the packet was complete (30 ms window?)');
      return i + 1;
    }
    return i;
  }

  private closeData(truncated: boolean): void {
    const ignored = this.ignoring;
    const f = dataFrame(this.acc, this.accLen, this.xor, this.op, this.packet, ignored, this.at(), truncated);
    this.pendingOtp = !ignored && f.checksumOk && this.op === Phase.OTP ? Buffer.from(this.acc.subarray(1, 1 + f.length)) : undefined;
    this.accLen = 0;
    this.ignoring = false;
    if (ignored) {
      this.strayTxSinceAnswer = true;
      this.step = IDLE;
    } else this.step = DATA_ACK;
    this.emit(f);
  }
}

/** A streaming decoder: push chunks as they come, `end()` at the end. Pure; never throws on bytes. */
export function createCaptureDecoder(options: DecoderOptions = {}): CaptureDecoder {
  return new StreamDecoder(options);
}

/** Decodes a whole capture's chunks. */
export function decodeCapture(chunks: Iterable<DecoderChunk>, options: DecoderOptions = {}): DecodedFrame[] {
  const d = createCaptureDecoder(options);
  const frames: DecodedFrame[] = [];
  for (const c of chunks) for (const f of d.push(c)) frames.push(f);
  for (const f of d.end()) frames.push(f);
  return frames;
}

/**
 * The decoded host frame that tx stream byte `txOffset` belongs to (replay mismatch messages), or
 * undefined when the offset is past the capture's host bytes.
 */
export function describeFrameAt(chunks: Iterable<DecoderChunk>, txOffset: number, options: DecoderOptions = {}): DecodedFrame | undefined {
  for (const f of decodeCapture(chunks, options)) {
    if (f.dir === 'tx' && f.pos >= 0 && txOffset >= f.pos && txOffset < f.pos + f.bytes.length / 2) return f;
  }
  return undefined;
}
