import { OTP_SIZE_SMC } from '../otp/layout.js';
import { STATUS } from '../otp/status.js';
import { decodeOtpStructure, type OtpStructure } from '../otp/structure.js';
import type { OtpFrame, OtpWordChange, OtpWordRequest } from './decode-types.js';

/** Both MP1 families: 96 words, (2·96 + 2) · 4 bytes (otp-structure.md "Layout"). */
const STRUCT_BYTES = 776;

/**
 * Reassembles OTP structures from the capture: Read Partition 0xF2 answers at consecutive offsets
 * from 0 (an5275-uart.md worked example: 0, 256, 512, 768) and ACKed Download packets to OP 0xF2
 * from packet 0 (packet 0 resets the device's write cursor). A complete structure is decoded with
 * the codec; the codec's refusals become the frame's `error`, never an exception.
 */
export class OtpTracker {
  private readBuf: Buffer | undefined;
  private readEnd = 0;
  private writeBuf: Buffer | undefined;
  private writeEnd = 0;
  private lastRead: OtpStructure | undefined;

  /** A Read Partition 0xF2 answer with its data; returns the frame when a structure completes. */
  onRead(offset: number, data: Buffer, t: number, pos: number): OtpFrame | undefined {
    if (offset === 0) {
      this.readBuf = Buffer.alloc(OTP_SIZE_SMC);
      this.readEnd = 0;
    }
    if (!this.readBuf || offset !== this.readEnd || offset + data.length > OTP_SIZE_SMC) {
      this.readBuf = undefined; // not a read from 0 in order: nothing to reassemble
      return undefined;
    }
    data.copy(this.readBuf, offset);
    this.readEnd += data.length;
    if (this.readEnd < STRUCT_BYTES) return undefined;
    const bytes = this.readBuf.subarray(0, STRUCT_BYTES);
    this.readBuf = undefined;
    return this.readFrame(bytes, t, pos);
  }

  /** An ACKed Download packet to OP 0xF2. */
  onWrite(packet: number, data: Buffer, t: number, pos: number): OtpFrame | undefined {
    if (packet === 0) {
      this.writeBuf = Buffer.alloc(OTP_SIZE_SMC);
      this.writeEnd = 0;
    }
    if (!this.writeBuf || this.writeEnd + data.length > OTP_SIZE_SMC) {
      this.writeBuf = undefined;
      return undefined;
    }
    const before = this.writeEnd;
    data.copy(this.writeBuf, this.writeEnd);
    this.writeEnd += data.length;
    if (before >= STRUCT_BYTES || this.writeEnd < STRUCT_BYTES) return undefined;
    return this.writeFrame(this.writeBuf.subarray(0, STRUCT_BYTES), t, pos);
  }

  private readFrame(bytes: Buffer, t: number, pos: number): OtpFrame {
    const base = { kind: 'otp' as const, t, dir: 'rx' as const, pos, bytes: '', source: 'read' as const };
    const s = decodeOrError(bytes);
    if (typeof s === 'string') return { ...base, error: s, summary: `OTP structure (read) not decodable: ${s}` };
    const previous = this.lastRead;
    this.lastRead = s;
    const head = `OTP structure (read): version ${s.version}, global state 0x${s.globalState.toString(16)}`;
    if (!previous) return { ...base, version: s.version, globalState: s.globalState, summary: `${head}; first read in the capture` };
    const changes: OtpWordChange[] = [];
    for (const w of s.words) {
      const p = previous.words[w.id];
      if (!p || p.value !== w.value || p.status !== w.status) {
        changes.push({ word: w.id, before: { value: p?.value ?? 0, status: p?.status ?? 0 }, after: { value: w.value, status: w.status } });
      }
    }
    const list = changes.length === 0 ? 'no word changed since the previous read' : `${changes.length} word(s) changed since the previous read: ${changes.map((c) => c.word).join(', ')}`;
    return { ...base, version: s.version, globalState: s.globalState, changes, summary: `${head}; ${list}` };
  }

  private writeFrame(bytes: Buffer, t: number, pos: number): OtpFrame {
    const base = { kind: 'otp' as const, t, dir: 'tx' as const, pos, bytes: '', source: 'write-request' as const };
    const s = decodeOrError(bytes);
    if (typeof s === 'string') return { ...base, error: s, summary: `OTP structure (write request) not decodable: ${s}` };
    const requests: OtpWordRequest[] = s.words
      .filter((w) => (w.status & STATUS.UPDATE_REQUEST) !== 0)
      .map((w) => ({ word: w.id, value: w.value, status: w.status, flags: w.flags }));
    const list = requests.length === 0 ? 'no word has the update-request bit' : `update requested for word(s) ${requests.map((r) => `${r.word}=0x${r.value.toString(16)}`).join(', ')}`;
    return { ...base, version: s.version, globalState: s.globalState, requests, summary: `OTP structure (write request): ${list}` };
  }
}

/** The decoded structure, or the codec's message when the bytes are not one (the decoder never throws). */
function decodeOrError(bytes: Buffer): OtpStructure | string {
  try {
    return decodeOtpStructure(bytes);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
