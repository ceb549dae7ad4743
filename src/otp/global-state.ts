import { hexN } from './bits.js';

/**
 * Word 1 of the structure, the BSEC global state (shared/spec/otp-structure.md "Global state"):
 * bits 1:0 life cycle, 0 open, 1 closed; the invalid state is 3 on the OP-TEE path
 * (`PTA_BSEC_STATE_INVALID`) and 2 on the SP_MIN path (TF-A `bsec_svc.c`), so both decode as invalid.
 * Bit 8 = hardware key set (MP13 FSBL encryption key provisioned and locked). Any other set bit is
 * kept as hex: no firmware we read defines it (the vendor's "Encrypted data" line included).
 */
export const GLOBAL_STATE_FIELDS = {
  STATE_MASK: 0x3,
  HARDWARE_KEY_SET_BIT: 8,
} as const;

export const BSEC_STATES = {
  0: { state: 'secure-open', text: 'Secure Open' },
  1: { state: 'secure-closed', text: 'Secure Closed' },
  2: { state: 'invalid', text: 'Invalid' },
  3: { state: 'invalid', text: 'Invalid' },
} as const;

export type BsecState = (typeof BSEC_STATES)[keyof typeof BSEC_STATES]['state'];

export interface GlobalStateInfo {
  raw: number;
  state: BsecState;
  stateText: string;
  hardwareKeySet: boolean;
  /** Set bits no source names, e.g. 0x00010000; 0 when none. */
  unknownBits: number;
  text: string;
}

export function decodeGlobalState(raw: number): GlobalStateInfo {
  const value = raw >>> 0;
  const s = BSEC_STATES[(value & GLOBAL_STATE_FIELDS.STATE_MASK) as 0 | 1 | 2 | 3];
  const hardwareKeySet = ((value >>> GLOBAL_STATE_FIELDS.HARDWARE_KEY_SET_BIT) & 1) === 1;
  const known = GLOBAL_STATE_FIELDS.STATE_MASK | (1 << GLOBAL_STATE_FIELDS.HARDWARE_KEY_SET_BIT);
  const unknownBits = (value & ~known) >>> 0;
  const parts = [s.text, `hardware key ${hardwareKeySet ? 'set' : 'not set'}`];
  if (unknownBits !== 0) parts.push(`unknown bits ${hexN(unknownBits, 8)}`);
  return { raw: value, state: s.state, stateText: s.text, hardwareKeySet, unknownBits, text: parts.join(', ') };
}
