/** Status word bits of the OTP structure (shared/spec/otp-structure.md "Status word bits"). */
export const StatusBit = {
  READ_ERROR: 0,
  LOCK_ERROR: 26,
  STICKY_PROG_LOCK: 27,
  STICKY_SHADOW_WRITE_LOCK: 28,
  STICKY_SHADOW_READ_LOCK: 29,
  PERMANENT_LOCK: 30,
  UPDATE_REQUEST: 31,
} as const;

export type StatusFlag =
  | 'read-error'
  | 'lock-error'
  | 'sticky-prog-lock'
  | 'sticky-shadow-write-lock'
  | 'sticky-shadow-read-lock'
  | 'permanent-lock'
  | 'update-request'
  /** A set bit that no firmware we read defines: named by its number, never dropped. */
  | `bit-${number}`;

/** Bit, stable flag name (JSON), and the vendor display text. */
export const STATUS_FLAGS: readonly { bit: number; flag: StatusFlag; label: string }[] = [
  { bit: StatusBit.READ_ERROR, flag: 'read-error', label: 'Read error' },
  { bit: StatusBit.LOCK_ERROR, flag: 'lock-error', label: 'Lock error' },
  { bit: StatusBit.STICKY_PROG_LOCK, flag: 'sticky-prog-lock', label: 'Sticky programming lock' },
  { bit: StatusBit.STICKY_SHADOW_WRITE_LOCK, flag: 'sticky-shadow-write-lock', label: 'Shadow write sticky lock' },
  { bit: StatusBit.STICKY_SHADOW_READ_LOCK, flag: 'sticky-shadow-read-lock', label: 'Shadow read sticky lock' },
  { bit: StatusBit.PERMANENT_LOCK, flag: 'permanent-lock', label: 'Permanent write lock' },
  { bit: StatusBit.UPDATE_REQUEST, flag: 'update-request', label: 'Update request' },
];

export const STATUS = {
  READ_ERROR: 1 << StatusBit.READ_ERROR,
  LOCK_ERROR: 1 << StatusBit.LOCK_ERROR,
  STICKY_PROG_LOCK: 1 << StatusBit.STICKY_PROG_LOCK,
  STICKY_SHADOW_WRITE_LOCK: 1 << StatusBit.STICKY_SHADOW_WRITE_LOCK,
  STICKY_SHADOW_READ_LOCK: 1 << StatusBit.STICKY_SHADOW_READ_LOCK,
  PERMANENT_LOCK: 1 << StatusBit.PERMANENT_LOCK,
  UPDATE_REQUEST: 0x80000000,
} as const;

/** Status bits a write request may carry (27..31). */
export const REQUEST_LOCK_MASK = STATUS.STICKY_PROG_LOCK | STATUS.STICKY_SHADOW_WRITE_LOCK | STATUS.STICKY_SHADOW_READ_LOCK | STATUS.PERMANENT_LOCK;

/** A name for every set bit, in bit order: the known flags, and `bit-N` for the others. */
export function statusFlags(status: number): StatusFlag[] {
  const flags: StatusFlag[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((status >>> bit) & 1) === 0) continue;
    flags.push(STATUS_FLAGS.find((f) => f.bit === bit)?.flag ?? `bit-${bit}`);
  }
  return flags;
}

/** Set bits that no known flag names (shown as hex, never dropped). */
export function unknownStatusBits(status: number): number {
  let known = 0;
  for (const f of STATUS_FLAGS) known |= 1 << f.bit;
  return (status & ~known) >>> 0;
}
