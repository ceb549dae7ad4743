import { InputError } from '../errors.js';
import type { SocFamily } from '../protocol/constants.js';
import { formatWord } from './bits.js';
import { OTP_LAYOUTS } from './layout.js';
import { STATUS, STATUS_FLAGS, statusFlags, type StatusFlag } from './status.js';
import { emptyOtpStructure, encodeOtpStructure, type OtpStructure } from './structure.js';

/**
 * The pure write-request builder (shared/spec/otp-structure.md "Write requests"): from the board's
 * current structure and a list of edits, the structure to download on partition 0xF2, a per-word
 * plan, or one refusal listing every word the board's fuses cannot take. Nothing here talks to a
 * board: the refusals are the host-side guards of the spec, checked before anything is sent.
 */

export type StickyLock = 'prog' | 'shadow-write' | 'shadow-read';

export type OtpEdit =
  | { op: 'write'; word: number; value: number | bigint; lock?: boolean; sticky?: StickyLock[] }
  | { op: 'lock'; word: number }
  | { op: 'sticky'; word: number; locks: StickyLock[] }
  | { op: 'fwrite'; word: number; data: Uint8Array; lock?: boolean };

export const STICKY_LOCK_BITS: Readonly<Record<StickyLock, number>> = {
  prog: STATUS.STICKY_PROG_LOCK,
  'shadow-write': STATUS.STICKY_SHADOW_WRITE_LOCK,
  'shadow-read': STATUS.STICKY_SHADOW_READ_LOCK,
};

export const REFUSAL_CODES = [
  'WORD_OUT_OF_RANGE',
  'VALUE_TOO_WIDE',
  'BIT_CLEAR',
  'WORD_LOCKED',
  'UPPER_ALREADY_PROGRAMMED',
  'FWRITE_SIZE',
  'DUPLICATE_WORD',
  'READ_ERROR',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface OtpRefusal {
  word: number;
  code: RefusalCode;
  reason: string;
}

export interface PlannedWord {
  id: number;
  op: OtpEdit['op'];
  currentValue: number;
  currentStatus: number;
  /** The value asked for; null for lock-only and sticky-only edits. */
  requestedValue: number | null;
  /** The value after programming: current OR requested (programming only sets bits). */
  newValue: number;
  /** Bits that go 0→1. */
  bitsToSet: number;
  /** Lock bits asked for (27..30) as flag names. */
  requestedLocks: StatusFlag[];
  /** Bit 31 (update request) plus the lock bits asked for: what the request asks of this word. */
  requestedStatus: number;
  /** Lock flags not on the board yet. */
  locksToAdd: StatusFlag[];
  /** Value and locks already on the board: the word is left out of the request. */
  alreadyDone: boolean;
}

export interface WriteRequest {
  soc: SocFamily;
  /** Version 2, global state 0, untouched words 0/0, each word to change with status bit 31. */
  structure: OtpStructure;
  bytes: Buffer;
  words: PlannedWord[];
  /** Facts the user must know before confirming (e.g. firmware that ignores sticky locks). */
  warnings: string[];
}

interface WordRequest {
  word: number;
  op: OtpEdit['op'];
  value: number | null;
  lockBits: number;
}

const LOCK_FLAGS = STATUS_FLAGS.filter((f) => ((1 << f.bit) & (STATUS.PERMANENT_LOCK | STATUS.STICKY_PROG_LOCK | STATUS.STICKY_SHADOW_WRITE_LOCK | STATUS.STICKY_SHADOW_READ_LOCK)) !== 0);

function lockFlagNames(bits: number): StatusFlag[] {
  return LOCK_FLAGS.filter((f) => ((bits >>> f.bit) & 1) === 1).map((f) => f.flag);
}

function bitList(mask: number): string {
  const bits: number[] = [];
  for (let b = 0; b < 32; b++) if (((mask >>> b) & 1) === 1) bits.push(b);
  return `bit${bits.length > 1 ? 's' : ''} ${bits.join(', ')}`;
}

/** A number/bigint that fits an unsigned 32-bit word, else null. */
function toU32(v: number | bigint): number | null {
  if (typeof v === 'bigint') return v >= 0n && v <= 0xffffffffn ? Number(v) : null;
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
}

function stickyBits(locks: readonly StickyLock[] | undefined): number {
  return (locks ?? []).reduce((acc, l) => acc | STICKY_LOCK_BITS[l], 0) >>> 0;
}

/** Expands edits to one request per word, collecting the refusals that need no board state. */
function expandEdits(edits: readonly OtpEdit[], count: number, refusals: OtpRefusal[]): WordRequest[] {
  const out: WordRequest[] = [];
  const inRange = (w: number): boolean => Number.isInteger(w) && w >= 0 && w < count;
  for (const e of edits) {
    if (!inRange(e.word)) {
      refusals.push({ word: e.word, code: 'WORD_OUT_OF_RANGE', reason: `word ${e.word} does not exist: OTP words are 0..${count - 1}` });
      continue;
    }
    if (e.op === 'write') {
      const value = toU32(e.value);
      if (value === null) {
        refusals.push({ word: e.word, code: 'VALUE_TOO_WIDE', reason: `value ${e.value.toString()} is not an unsigned 32-bit value (0..0xFFFFFFFF)` });
        continue;
      }
      out.push({ word: e.word, op: e.op, value, lockBits: ((e.lock ? STATUS.PERMANENT_LOCK : 0) | stickyBits(e.sticky)) >>> 0 });
    } else if (e.op === 'lock') {
      out.push({ word: e.word, op: e.op, value: null, lockBits: STATUS.PERMANENT_LOCK });
    } else if (e.op === 'sticky') {
      out.push({ word: e.word, op: e.op, value: null, lockBits: stickyBits(e.locks) });
    } else {
      const n = e.data.length / 4;
      if (e.data.length === 0 || e.data.length % 4 !== 0 || e.word + n > count) {
        const why =
          e.data.length === 0
            ? 'the file is empty'
            : e.data.length % 4 !== 0
              ? `the file has ${e.data.length} bytes, not a multiple of 4 (OTP words are 32-bit)`
              : `${n} words from word ${e.word} run past the last word ${count - 1}`;
        refusals.push({ word: e.word, code: 'FWRITE_SIZE', reason: why });
        continue;
      }
      const view = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
      for (let i = 0; i < n; i++) {
        out.push({ word: e.word + i, op: e.op, value: view.readUInt32LE(4 * i), lockBits: e.lock ? STATUS.PERMANENT_LOCK : 0 });
      }
    }
  }
  return out;
}

/** Checks one word against the board's current state; pushes refusals, returns its plan. */
function planWord(r: WordRequest, current: OtpStructure, upperStart: number, refusals: OtpRefusal[]): PlannedWord {
  const cw = current.words[r.word];
  const currentValue = (cw?.value ?? 0) >>> 0;
  const currentStatus = (cw?.status ?? 0) >>> 0;
  const requested = r.value;
  const bitsToSet = requested === null ? 0 : (requested & ~currentValue) >>> 0;
  const newValue = requested === null ? currentValue : (currentValue | requested) >>> 0;
  const w = r.word;
  if (requested !== null) {
    if ((currentStatus & STATUS.READ_ERROR) !== 0) {
      refusals.push({ word: w, code: 'READ_ERROR', reason: `word ${w} could not be read (status read-error): its value is unknown, so a write cannot be checked` });
    } else {
      const cleared = (currentValue & ~requested) >>> 0;
      if (w >= upperStart && currentValue !== 0 && requested !== currentValue) {
        refusals.push({ word: w, code: 'UPPER_ALREADY_PROGRAMMED', reason: `word ${w} is an upper (ECC) word already programmed with ${formatWord(currentValue)}: it cannot be programmed again` });
      }
      if (cleared !== 0) {
        refusals.push({ word: w, code: 'BIT_CLEAR', reason: `writing ${formatWord(requested)} to word ${w} needs ${bitList(cleared)} to go 1→0 (they are 1 on the board, value ${formatWord(currentValue)}); OTP bits only go 0→1` });
      }
      if (bitsToSet !== 0 && (currentStatus & (STATUS.PERMANENT_LOCK | STATUS.STICKY_PROG_LOCK)) !== 0) {
        const lock = (currentStatus & STATUS.PERMANENT_LOCK) !== 0 ? 'permanently locked' : 'programming-locked until reset (sticky programming lock)';
        refusals.push({ word: w, code: 'WORD_LOCKED', reason: `word ${w} is ${lock}: ${formatWord(requested)} cannot be programmed over ${formatWord(currentValue)}` });
      }
    }
  }
  const locksToAdd = lockFlagNames((r.lockBits & ~currentStatus) >>> 0);
  return {
    id: w,
    op: r.op,
    currentValue,
    currentStatus,
    requestedValue: requested,
    newValue,
    bitsToSet,
    requestedLocks: lockFlagNames(r.lockBits),
    requestedStatus: (STATUS.UPDATE_REQUEST | r.lockBits) >>> 0,
    locksToAdd,
    alreadyDone: bitsToSet === 0 && locksToAdd.length === 0,
  };
}

/**
 * Builds the structure to download for `edits` on a board whose fuses are `current`. Throws one
 * InputError `OTP_REFUSED` listing every refused word (details.refusals) before building anything.
 */
export function buildWriteRequest(current: OtpStructure, edits: readonly OtpEdit[], soc: SocFamily): WriteRequest {
  const layout = OTP_LAYOUTS[soc];
  if (current.words.length !== layout.words) {
    throw new InputError('OTP_SIZE', `the current structure has ${current.words.length} words; ${soc} has ${layout.words}`, {
      details: { words: current.words.length, expected: layout.words },
    });
  }
  const refusals: OtpRefusal[] = [];
  const requests = expandEdits(edits, layout.words, refusals);
  const seen = new Map<number, number>();
  for (const r of requests) seen.set(r.word, (seen.get(r.word) ?? 0) + 1);
  for (const [word, times] of seen) {
    if (times > 1) refusals.push({ word, code: 'DUPLICATE_WORD', reason: `word ${word} is edited ${times} times in one request: combine the edits into one` });
  }
  const planned = requests.filter((r, i) => requests.findIndex((o) => o.word === r.word) === i).map((r) => planWord(r, current, layout.upperStart, refusals));
  if (refusals.length > 0) {
    refusals.sort((a, b) => a.word - b.word);
    const lines = refusals.map((r) => `  word ${r.word}: ${r.reason} [${r.code}]`);
    throw new InputError('OTP_REFUSED', `the OTP write was refused before anything was sent:\n${lines.join('\n')}`, { details: { refusals } });
  }
  planned.sort((a, b) => a.id - b.id);
  const structure = emptyOtpStructure(soc);
  for (const p of planned) {
    if (p.alreadyDone) continue;
    // Nothing to program → value 0 (the seed's "lock only" form): a locked or ECC word refuses any
    // non-zero value, even one equal to what it holds.
    const value = p.bitsToSet === 0 ? 0 : p.requestedValue!;
    const status = p.requestedStatus;
    structure.words[p.id] = { id: p.id, value, status, flags: statusFlags(status) };
  }
  const warnings: string[] = [];
  if (planned.some((p) => !p.alreadyDone && p.locksToAdd.some((f) => f !== 'permanent-lock'))) {
    warnings.push('sticky locks last until reset, and firmware running OP-TEE ignores them (only SP_MIN applies them): check them on read-back');
  }
  return { soc, structure, bytes: encodeOtpStructure(structure), words: planned, warnings };
}
