import type { SocFamily } from '../protocol/constants.js';

/**
 * OTP structure version 2 geometry per SoC (shared/spec/otp-structure.md "Layout"; U-Boot
 * `_OTP_SIZE_TA(otp) = ((otp)*2+2)*4`, TF-A `STM32MP1_OTP_MAX_ID 0x5F`, `STM32MP1_UPPER_OTP_START 0x20`).
 */
export interface OtpLayout {
  soc: SocFamily;
  /** Number of OTP words N. */
  words: number;
  /** First upper (ECC-protected, programmed once) word. */
  upperStart: number;
  /** Structure size in bytes: (2N + 2) × 4. */
  size: number;
}

export const OTP_STRUCT_VERSION = 2;

/** The partition of SP_MIN-based MP15 boards (`OTP_SIZE_SMC`): the same layout, zero-padded. */
export const OTP_SIZE_SMC = 1024;

export function structureSize(words: number): number {
  return (words * 2 + 2) * 4;
}

export const OTP_LAYOUTS: Readonly<Record<SocFamily, OtpLayout>> = {
  STM32MP15: { soc: 'STM32MP15', words: 96, upperStart: 32, size: structureSize(96) },
  STM32MP13: { soc: 'STM32MP13', words: 96, upperStart: 32, size: structureSize(96) },
};

/** Sizes a decoder accepts (both MP1 families share 776). */
export const KNOWN_STRUCTURE_SIZES: readonly number[] = [...new Set(Object.values(OTP_LAYOUTS).map((l) => l.size))];
