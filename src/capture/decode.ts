import { Command, commandName, COMMAND_NAMES, Phase, Reply } from '../protocol/constants.js';
import {
  decodeCountedAnswer,
  describeContent,
  durationText,
  hex2,
  hex8,
  isTextByte,
  phaseLabel,
  quoteText,
  startMeaning,
  versionText,
} from './decode-content.js';
import { OtpTracker } from './decode-otp.js';
import type {
  AddressFrame,
  AnswerContent,
  AnswerFrame,
  AnswerTo,
  CaptureDecoder,
  DataFrame,
  DecodedFrame,
  DecoderChunk,
  DecoderOptions,
  LengthFrame,
  ReplyName,
} from './decode-types.js';

export type * from './decode-types.js';

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

const ACC_MAX = 1024; // ≥ the largest frame: 0x79 + count + 256 + 0x79, or N-1 + 256 + XOR
const STRAY_MAX = 512;
const DEFAULT_GAP_MS = 100;

/** Two-digit lowercase hex of every byte value, built once (no per-frame formatting). */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** 1 for the bytes a boot log is made of (isTextByte), as a table for the hot loop. */
const TEXT_BYTE = Uint8Array.from({ length: 256 }, (_, b) => (isTextByte(b) ? 1 : 0));

function replyName(b: number): ReplyName {
  return b === Reply.ACK ? 'ACK' : b === Reply.NACK ? 'NACK' : b === Reply.ABORT ? 'ABORT' : 'invalid';
}

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
  private op = -1;
  private packet = -1;
  private partition = -1;
  private offset = 0;
  private readLen = 0;
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
      if (this.accLen > 0) this.deferred.push(gap);
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
    else if (s === ADDR && this.accLen > 0) this.closeAddress(true);
    else if (s === LEN && this.accLen > 0) this.closeLength(true);
    else if ((s === DATA_BODY || s === DATA_LEN) && this.accLen > 0) this.closeData(true);
    else if (s === READ_BODY) this.closeRead(true);
    else if (s >= COUNT && s <= GV_OPT && this.accLen > 0) this.closeQuery(true);
    else if (s === SYNC_ANSWER) this.noAnswer('the answer to sync', true, false);
    else if (s === CMD_ACK || s === COUNT || s === GV_VERSION) this.noAnswer(`the answer to ${commandName(this.code)}`, true);
    else if (s === ADDR_ACK || s === START_ANSWER) this.noAnswer(`the answer to the ${commandName(this.code)} address`, true);
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
        if (tx) return this.hostMovedOn(i, `the answer to the ${commandName(this.code)} address`);
        this.addressAck(b, this.chunkBase + i);
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
    const s = this.stray;
    let printable = 0;
    for (let j = 0; j < len; j++) printable += TEXT_BYTE[s[j]!]!;
    const dir = this.strayTx ? 'tx' : 'rx';
    const bytes = s.toString('hex', 0, len);
    if (len >= 2 && printable * 4 >= len * 3) {
      const text = s.toString('latin1', 0, len);
      this.emit({ kind: 'text', t: this.strayT, dir, pos: this.strayPos, bytes, text, summary: `text ${quoteText(text)}` });
    } else if (this.strayTx) {
      this.emit({
        kind: 'unknown',
        t: this.strayT,
        dir,
        pos: this.strayPos,
        bytes,
        ignoredByDevice: true,
        summary: `${len} stray host byte(s): not a command, the device ignores them (and NACKs)`,
      });
    } else {
      this.emit({ kind: 'unknown', t: this.strayT, dir, pos: this.strayPos, bytes, summary: `${len} device byte(s) that fit no frame` });
    }
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
    this.code = code;
    this.step = CMD_ACK;
    this.emit({
      kind: 'command',
      t: this.candT,
      dir: 'tx',
      pos: this.candPos,
      bytes: HEX[code]! + HEX[complement]!,
      command,
      code,
      known,
      complementOk: true,
      summary: known ? `${command} (${hex2(code)}) command` : `${command} (the device does not know it: NACK expected)`,
    });
  }

  private answer(b: number, to: AnswerTo, pos: number, note?: string): void {
    const reply = replyName(b);
    const withCommand = to !== 'sync' && to !== 'stray' && to !== 'unexpected';
    const what = to === 'sync' ? 'sync' : to === 'stray' ? 'stray bytes' : to === 'unexpected' ? '' : `${commandName(this.code)} ${to}`;
    const head = reply === 'invalid' ? `invalid answer ${hex2(b)} (ACK, NACK or ABORT expected)` : reply;
    const f: AnswerFrame = {
      kind: 'answer',
      t: this.chunkT,
      dir: 'rx',
      pos,
      bytes: HEX[b]!,
      to,
      reply,
      summary: `${head}${what ? ` (${what})` : ''}${note ? `: ${note}` : ''}`,
    };
    if (withCommand) {
      f.command = commandName(this.code);
      f.code = this.code;
    }
    if (note) f.note = note;
    if (b === Reply.ACK || b === Reply.NACK || b === Reply.ABORT) this.strayTxSinceAnswer = false;
    this.emit(f);
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

  /** Get / Get Version / Get ID / Get Phase answer: ACK, payload, ACK as one frame. */
  private closeQuery(truncated: boolean): void {
    const a = this.acc;
    const len = this.accLen;
    const command = commandName(this.code);
    let content: AnswerContent | undefined;
    let dataLength = 0;
    if (!truncated) {
      if (this.code === Command.GET_VERSION) {
        dataLength = len - 2;
        content =
          len === 5
            ? { type: 'get-version', version: versionText(a[1]!), raw: a[1]!, form: '3-byte', optionBytes: [a[2]!, a[3]!] }
            : { type: 'get-version', version: versionText(a[1]!), raw: a[1]!, form: '1-byte' };
      } else {
        dataLength = len - 3;
        content = decodeCountedAnswer(this.code, a.subarray(2, len - 1));
      }
    } else dataLength = Math.max(0, len - 1);
    const last = a[len - 1]!;
    const note = truncated ? 'cut short' : last !== Reply.ACK ? `ends with ${hex2(last)} instead of ACK` : undefined;
    const f: AnswerFrame = {
      kind: 'answer',
      t: this.accT,
      dir: 'rx',
      pos: this.accPos,
      bytes: this.accHex(),
      command,
      code: this.code,
      to: 'command',
      reply: 'ACK',
      dataLength,
      summary: `ACK ${command}: ${content ? describeContent(content) : `${dataLength} byte(s)`}${note ? ` (${note})` : ''}`,
    };
    if (content) f.content = content;
    if (note) f.note = note;
    if (truncated) f.truncated = true;
    this.accLen = 0;
    this.step = IDLE;
    this.emit(f);
  }

  private closeAddress(truncated: boolean): void {
    const a = this.acc;
    const len = this.accLen;
    const full = this.code === Command.READ_PARTITION ? 6 : 5;
    let x = 0;
    for (let j = 0; j < len - 1; j++) x ^= a[j]!;
    const checksumOk = !truncated && len === full && x === a[len - 1];
    const command = commandName(this.code);
    const f: AddressFrame = { kind: 'address', t: this.accT, dir: 'tx', pos: this.accPos, bytes: this.accHex(), command, code: this.code, checksumOk, summary: '' };
    let what: string;
    if (this.code === Command.READ_PARTITION) {
      this.partition = f.partition = a[0]!;
      f.partitionName = phaseLabel(a[0]!);
      this.offset = f.offset = len >= 5 ? a.readUInt32BE(1) : 0;
      what = `partition ${f.partitionName} offset ${hex8(this.offset)}`;
    } else if (this.code === Command.DOWNLOAD) {
      this.op = f.op = a[0]!;
      f.opName = phaseLabel(a[0]!);
      this.packet = f.packet = len >= 4 ? (a[1]! << 16) | (a[2]! << 8) | a[3]! : -1;
      what = `OP ${f.opName} packet ${this.packet}`;
    } else {
      this.offset = f.address = len >= 4 ? a.readUInt32BE(0) : 0;
      if (this.code === Command.START) f.meaning = startMeaning(f.address);
      what = `${hex8(f.address)}${f.meaning ? ` (${f.meaning})` : ''}`;
    }
    const check = truncated ? '[truncated]' : checksumOk ? 'XOR ok' : `XOR BAD (expected ${hex2(x)}, got ${hex2(a[len - 1]!)})`;
    f.summary = `${command} address: ${what}, ${check}`;
    if (truncated) f.truncated = true;
    this.accLen = 0;
    this.step = this.code === Command.START ? START_ANSWER : ADDR_ACK;
    this.emit(f);
  }

  private closeLength(truncated: boolean): void {
    const a = this.acc;
    const length = a[0]! + 1;
    const complementOk = !truncated && ((a[0]! ^ a[1]!) & 0xff) === 0xff;
    const command = commandName(this.code);
    this.readLen = length;
    const check = truncated ? '[truncated]' : complementOk ? 'complement ok' : `complement BAD (${hex2(a[1]!)})`;
    const f: LengthFrame = {
      kind: 'length',
      t: this.accT,
      dir: 'tx',
      pos: this.accPos,
      bytes: this.accHex(),
      command,
      code: this.code,
      length,
      complementOk,
      summary: `${command} length: ${length} byte(s) (N-1 = ${hex2(a[0]!)}), ${check}`,
    };
    if (truncated) f.truncated = true;
    this.accLen = 0;
    this.step = READ_FIRST;
    this.emit(f);
  }

  private closeRead(truncated: boolean): void {
    const dataLength = Math.max(0, this.accLen - 1);
    const command = commandName(this.code);
    const where = this.code === Command.READ_PARTITION ? `partition ${hex2(this.partition)} offset ${hex8(this.offset)}` : `address ${hex8(this.offset)}`;
    const f: AnswerFrame = {
      kind: 'answer',
      t: this.accT,
      dir: 'rx',
      pos: this.accPos,
      bytes: this.accHex(),
      command,
      code: this.code,
      to: 'length',
      reply: 'ACK',
      dataLength,
      summary: `ACK + ${dataLength} data byte(s) (${command} ${where})${truncated ? ` [truncated: ${this.readLen} expected]` : ''}`,
    };
    if (truncated) f.truncated = true;
    const otpData = !truncated && this.code === Command.READ_PARTITION && this.partition === Phase.OTP ? Buffer.from(this.acc.subarray(1, this.accLen)) : undefined;
    const pos = this.accPos;
    this.accLen = 0;
    this.step = IDLE;
    this.emit(f);
    if (otpData) {
      const o = this.otp.onRead(this.offset, otpData, this.chunkT, pos);
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
    const a = this.acc;
    const length = a[0]! + 1;
    const checksumOk = !truncated && this.xor === 0;
    const ignored = this.ignoring;
    const target = `packet ${this.packet} to OP ${phaseLabel(this.op)}`;
    const check = truncated ? `[truncated: ${this.accLen} of ${length + 2} bytes]` : checksumOk ? 'checksum ok' : 'checksum BAD';
    const f: DataFrame = {
      kind: 'data',
      t: this.accT,
      dir: 'tx',
      pos: this.accPos,
      bytes: this.accHex(),
      command: 'Download',
      code: Command.DOWNLOAD,
      op: this.op,
      packet: this.packet,
      length,
      checksumOk,
      ignoredByDevice: ignored,
      summary: ignored ? `Download data ignored by the device (target rejected): ${length} byte(s), ${check}` : `Download data: ${target}, ${length} byte(s), ${check}`,
    };
    if (truncated) f.truncated = true;
    this.pendingOtp = !ignored && checksumOk && this.op === Phase.OTP ? Buffer.from(a.subarray(1, 1 + length)) : undefined;
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

/** One line per frame for humans and the trace log: time (s), direction arrow, summary, short hex. */
export function frameTraceLine(f: DecodedFrame): string {
  const time = (f.t / 1e6).toFixed(6).padStart(12);
  const arrow = f.dir === 'tx' ? '→' : f.dir === 'rx' ? '←' : '·';
  const n = f.bytes.length / 2;
  let hex = '';
  if (n > 0 && n <= 12) {
    const parts: string[] = [];
    for (let j = 0; j < f.bytes.length; j += 2) parts.push(f.bytes.slice(j, j + 2));
    hex = `  [${parts.join(' ')}]`;
  } else if (n > 12) hex = `  [${n} bytes]`;
  return `${time} ${arrow} ${f.summary}${f.truncated && !f.summary.includes('truncated') ? ' [truncated]' : ''}${hex}`;
}
