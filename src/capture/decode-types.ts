import type { SocFamily } from '../protocol/constants.js';
import type { StatusFlag } from '../otp/status.js';

/**
 * What the capture decoder emits: one JSON-able object per frame, in wire order. Every frame has
 * `t` (µs of its first byte, as recorded: bytes share their chunk's time), `dir` ('none' for
 * frames that carry no bytes of their own: gaps, notes, decoded OTP structures), `pos` (offset of
 * the first byte in the stream of its direction; -1 when it has none), `bytes` (lowercase hex) and a
 * human `summary`. `truncated` marks a frame cut short by the end of the capture or by the other
 * side moving on.
 */
export type FrameDir = 'tx' | 'rx' | 'none';

interface FrameBase {
  t: number;
  dir: FrameDir;
  pos: number;
  bytes: string;
  summary: string;
  truncated?: boolean;
}

/** Host 0x7F (INIT); consecutive ones without an answer in between are one frame. */
export interface SyncFrame extends FrameBase {
  kind: 'sync';
  count: number;
}

/** Command byte + complement (an5275-uart.md "Entering the loop" step 2). */
export interface CommandFrame extends FrameBase {
  kind: 'command';
  command: string;
  code: number;
  /** False for a code the device does not know (it answers NACK). */
  known: boolean;
  complementOk: boolean;
}

/** Address field + XOR: its meaning depends on the command. */
export interface AddressFrame extends FrameBase {
  kind: 'address';
  command: string;
  code: number;
  checksumOk: boolean;
  /** Read Partition. */
  partition?: number;
  partitionName?: string;
  offset?: number;
  /** Download: target phase and 24-bit packet number. */
  op?: number;
  opName?: string;
  packet?: number;
  /** Start / Read Memory (big-endian on the wire). */
  address?: number;
  meaning?: string;
}

/** N-1 + complement of Read Partition / Read Memory; `length` is N. */
export interface LengthFrame extends FrameBase {
  kind: 'length';
  command: string;
  code: number;
  length: number;
  complementOk: boolean;
  /** Read Partition: sent before the device answered the address (the link's send-ahead). */
  sentAhead?: boolean;
}

/** A Download packet: N-1, N data bytes, XOR. */
export interface DataFrame extends FrameBase {
  kind: 'data';
  command: string;
  code: number;
  op?: number;
  packet?: number;
  length: number;
  checksumOk: boolean;
  /** The device had already rejected the target (NACK after the address ACK): it never read these. */
  ignoredByDevice: boolean;
}

export type ReplyName = 'ACK' | 'NACK' | 'ABORT' | 'invalid';

/** What an answer answers. */
export type AnswerTo = 'sync' | 'command' | 'address' | 'length' | 'data' | 'stray' | 'unexpected';

export type AnswerContent =
  | { type: 'get'; protocol: string; commands: number[]; commandNames: string[] }
  | { type: 'get-version'; version: string; raw: number; form: '1-byte' | '3-byte'; optionBytes?: number[] }
  | { type: 'get-id'; productId: number; soc?: SocFamily }
  | { type: 'get-phase'; phase: number; phaseName: string; address: number; info: string }
  | { type: 'malformed'; reason: string };

/** A device answer: ACK / NACK / ABORT, with the data that comes with it. */
export interface AnswerFrame extends FrameBase {
  kind: 'answer';
  command?: string;
  code?: number;
  to: AnswerTo;
  reply: ReplyName;
  /** Data bytes carried by the answer (Get payload, Read Partition data). */
  dataLength?: number;
  content?: AnswerContent;
  note?: string;
}

/** An unsolicited NACK with no command pending: a stage announcing itself (TF-A, U-Boot loop entry). */
export interface StageFrame extends FrameBase {
  kind: 'stage';
}

/** Mostly printable bytes between frames (boot log). */
export interface TextFrame extends FrameBase {
  kind: 'text';
  text: string;
}

/** Bytes that fit no frame. Host bytes here are ignored (and NACKed) by the device. */
export interface UnknownFrame extends FrameBase {
  kind: 'unknown';
  ignoredByDevice?: boolean;
}

/** Silence longer than the gap threshold. */
export interface GapFrame extends FrameBase {
  kind: 'gap';
  durationUs: number;
}

/** The host went on before the device answered (timeout on the host side, or a pipelined write). */
export interface NoAnswerFrame extends FrameBase {
  kind: 'no-answer';
  command?: string;
  awaiting: string;
}

export interface OtpWordChange {
  word: number;
  before: { value: number; status: number };
  after: { value: number; status: number };
}

export interface OtpWordRequest {
  word: number;
  value: number;
  status: number;
  flags: StatusFlag[];
}

/** A whole OTP structure seen in Read Partition 0xF2 answers or Download packets to OP 0xF2. */
export interface OtpFrame extends FrameBase {
  kind: 'otp';
  source: 'read' | 'write-request';
  version?: number;
  globalState?: number;
  /** Read: words that differ from the previous read in the capture. */
  changes?: OtpWordChange[];
  /** Write request: the words with the update-request bit (31). */
  requests?: OtpWordRequest[];
  /** The codec refused the bytes (size, version). */
  error?: string;
}

export type DecodedFrame =
  | SyncFrame
  | CommandFrame
  | AddressFrame
  | LengthFrame
  | DataFrame
  | AnswerFrame
  | StageFrame
  | TextFrame
  | UnknownFrame
  | GapFrame
  | NoAnswerFrame
  | OtpFrame;

export type FrameKind = DecodedFrame['kind'];

/** One chunk as recorded (the capture format's CaptureChunk). */
export interface DecoderChunk {
  t: number;
  dir: 'tx' | 'rx';
  data: Buffer;
}

export interface DecoderOptions {
  /** Silence longer than this becomes a gap frame (default 100 ms). */
  gapMs?: number;
}

export interface CaptureDecoder {
  push(chunk: DecoderChunk): DecodedFrame[];
  /** Flushes what is still open (marked truncated). The decoder can be pushed to again after. */
  end(): DecodedFrame[];
}
