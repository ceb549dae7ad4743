import { Command, commandName, Reply } from '../protocol/constants.js';
import { decodeCountedAnswer, describeContent, hex2, hex8, phaseLabel, quoteText, startMeaning, versionText } from './decode-content.js';
import type { AddressFrame, AnswerContent, AnswerFrame, AnswerTo, DataFrame, DecodedFrame, LengthFrame, ReplyName } from './decode-types.js';

/**
 * Pure builders of the decoder's frames from accumulated bytes: the state machine (decode.ts) says
 * when a frame ends, these say what it is. `at` is where the frame starts and its bytes in hex.
 */
export interface FrameAt {
  t: number;
  pos: number;
  bytes: string;
}

/** Two-digit lowercase hex of every byte value, built once (no per-frame formatting). */
export const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function replyName(b: number): ReplyName {
  return b === Reply.ACK ? 'ACK' : b === Reply.NACK ? 'NACK' : b === Reply.ABORT ? 'ABORT' : 'invalid';
}

/** Bytes that fit no frame: text when mostly printable (a boot log), else unknown. */
export function strayFrame(s: Buffer, len: number, printable: number, t: number, pos: number, tx: boolean): DecodedFrame {
  const dir = tx ? 'tx' : 'rx';
  const bytes = s.toString('hex', 0, len);
  if (len >= 2 && printable * 4 >= len * 3) {
    const text = s.toString('latin1', 0, len);
    return { kind: 'text', t, dir, pos, bytes, text, summary: `text ${quoteText(text)}` };
  }
  if (tx) return { kind: 'unknown', t, dir, pos, bytes, ignoredByDevice: true, summary: `${len} stray host byte(s): not a command, the device ignores them (and NACKs)` };
  return { kind: 'unknown', t, dir, pos, bytes, summary: `${len} device byte(s) that fit no frame` };
}

/** A one-byte answer; `code` is the command it belongs to (-1: none). */
export function answerFrame(b: number, to: AnswerTo, code: number, t: number, pos: number, note?: string): AnswerFrame {
  const reply = replyName(b);
  const withCommand = to !== 'sync' && to !== 'stray' && to !== 'unexpected';
  const what = to === 'sync' ? 'sync' : to === 'stray' ? 'stray bytes' : to === 'unexpected' ? '' : `${commandName(code)} ${to}`;
  const head = reply === 'invalid' ? `invalid answer ${hex2(b)} (ACK, NACK or ABORT expected)` : reply;
  const f: AnswerFrame = { kind: 'answer', t, dir: 'rx', pos, bytes: HEX[b]!, to, reply, summary: `${head}${what ? ` (${what})` : ''}${note ? `: ${note}` : ''}` };
  if (withCommand) {
    f.command = commandName(code);
    f.code = code;
  }
  if (note) f.note = note;
  return f;
}

/** Get / Get Version / Get ID / Get Phase answer: ACK, payload, ACK as one frame (`a` holds `len` bytes). */
export function queryAnswerFrame(code: number, a: Buffer, len: number, at: FrameAt, truncated: boolean): AnswerFrame {
  const command = commandName(code);
  let content: AnswerContent | undefined;
  let dataLength: number;
  if (truncated) dataLength = Math.max(0, len - 1);
  else if (code === Command.GET_VERSION) {
    // U-Boot / TF-A: `79 VV 79`; the ROM code: `79 VV o1 o2 79` (serial-boot.md "Stage 1").
    dataLength = len - 2;
    content =
      len === 5
        ? { type: 'get-version', version: versionText(a[1]!), raw: a[1]!, form: '3-byte', optionBytes: [a[2]!, a[3]!] }
        : { type: 'get-version', version: versionText(a[1]!), raw: a[1]!, form: '1-byte' };
  } else {
    dataLength = len - 3;
    content = decodeCountedAnswer(code, a.subarray(2, len - 1));
  }
  const last = a[len - 1]!;
  const note = truncated ? 'cut short' : last !== Reply.ACK ? `ends with ${hex2(last)} instead of ACK` : undefined;
  const f: AnswerFrame = {
    kind: 'answer',
    ...at,
    dir: 'rx',
    command,
    code,
    to: 'command',
    reply: 'ACK',
    dataLength,
    summary: `ACK ${command}: ${content ? describeContent(content) : `${dataLength} byte(s)`}${note ? ` (${note})` : ''}`,
  };
  if (content) f.content = content;
  if (note) f.note = note;
  if (truncated) f.truncated = true;
  return f;
}

/** Address + XOR: partition + offset (Read Partition), OP + packet (Download), address (Start, Read Memory). */
export function addressFrame(code: number, a: Buffer, len: number, at: FrameAt, truncated: boolean): AddressFrame {
  const full = code === Command.READ_PARTITION ? 6 : 5;
  let x = 0;
  for (let j = 0; j < len - 1; j++) x ^= a[j]!;
  const checksumOk = !truncated && len === full && x === a[len - 1];
  const command = commandName(code);
  const f: AddressFrame = { kind: 'address', ...at, dir: 'tx', command, code, checksumOk, summary: '' };
  let what: string;
  if (code === Command.READ_PARTITION) {
    f.partition = a[0]!;
    f.partitionName = phaseLabel(a[0]!);
    f.offset = len >= 5 ? a.readUInt32BE(1) : 0;
    what = `partition ${f.partitionName} offset ${hex8(f.offset)}`;
  } else if (code === Command.DOWNLOAD) {
    f.op = a[0]!;
    f.opName = phaseLabel(a[0]!);
    f.packet = len >= 4 ? (a[1]! << 16) | (a[2]! << 8) | a[3]! : -1;
    what = `OP ${f.opName} packet ${f.packet}`;
  } else {
    f.address = len >= 4 ? a.readUInt32BE(0) : 0;
    if (code === Command.START) f.meaning = startMeaning(f.address);
    what = `${hex8(f.address)}${f.meaning ? ` (${f.meaning})` : ''}`;
  }
  const check = truncated ? '[truncated]' : checksumOk ? 'XOR ok' : `XOR BAD (expected ${hex2(x)}, got ${hex2(a[len - 1]!)})`;
  f.summary = `${command} address: ${what}, ${check}`;
  if (truncated) f.truncated = true;
  return f;
}

/** N-1 + complement (Read Partition, Read Memory); `ahead`: sent before the address answer. */
export function lengthFrame(code: number, a: Buffer, at: FrameAt, truncated: boolean, ahead = false): LengthFrame {
  const length = a[0]! + 1;
  const complementOk = !truncated && ((a[0]! ^ a[1]!) & 0xff) === 0xff;
  const command = commandName(code);
  const check = truncated ? '[truncated]' : complementOk ? 'complement ok' : `complement BAD (${hex2(a[1]!)})`;
  const when = ahead ? ', sent ahead of the address ACK' : '';
  const f: LengthFrame = { kind: 'length', ...at, dir: 'tx', command, code, length, complementOk, summary: `${command} length: ${length} byte(s) (N-1 = ${hex2(a[0]!)}), ${check}${when}` };
  if (ahead) f.sentAhead = true;
  if (truncated) f.truncated = true;
  return f;
}

/** `79` + N data bytes of Read Partition / Read Memory; `where` names the partition/offset or address. */
export function readAnswerFrame(code: number, dataLength: number, expected: number, where: string, at: FrameAt, truncated: boolean): AnswerFrame {
  const command = commandName(code);
  const f: AnswerFrame = {
    kind: 'answer',
    ...at,
    dir: 'rx',
    command,
    code,
    to: 'length',
    reply: 'ACK',
    dataLength,
    summary: `ACK + ${dataLength} data byte(s) (${command} ${where})${truncated ? ` [truncated: ${expected} expected]` : ''}`,
  };
  if (truncated) f.truncated = true;
  return f;
}

/** A Download packet `N-1 data XOR`; `xor` is the XOR of all its bytes (0 when the checksum is right). */
export function dataFrame(a: Buffer, len: number, xor: number, op: number, packet: number, ignored: boolean, at: FrameAt, truncated: boolean): DataFrame {
  const length = a[0]! + 1;
  const checksumOk = !truncated && xor === 0;
  const check = truncated ? `[truncated: ${len} of ${length + 2} bytes]` : checksumOk ? 'checksum ok' : 'checksum BAD';
  const f: DataFrame = {
    kind: 'data',
    ...at,
    dir: 'tx',
    command: 'Download',
    code: Command.DOWNLOAD,
    op,
    packet,
    length,
    checksumOk,
    ignoredByDevice: ignored,
    summary: ignored
      ? `Download data ignored by the device (target rejected): ${length} byte(s), ${check}`
      : `Download data: packet ${packet} to OP ${phaseLabel(op)}, ${length} byte(s), ${check}`,
  };
  if (truncated) f.truncated = true;
  return f;
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
