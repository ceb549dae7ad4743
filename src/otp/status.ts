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
  | 'update-request';

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

export function statusFlags(status: number): StatusFlag[] {
  return STATUS_FLAGS.filter((f) => ((status >>> f.bit) & 1) === 1).map((f) => f.flag);
}

/** Set bits that no known flag names (shown as hex, never dropped). */
export function unknownStatusBits(status: number): number {
  let known = 0;
  for (const f of STATUS_FLAGS) known |= 1 << f.bit;
  return (status & ~known) >>> 0;
}
