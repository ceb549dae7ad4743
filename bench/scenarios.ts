import type { Link } from '../src/link/link.js';
import { readBoardInfo } from '../src/operations/info.js';
import { readOtp } from '../src/operations/otp-read.js';
import { writeOtp } from '../src/operations/otp-write.js';
import { downloadBuffer } from '../src/operations/transfer.js';
import { Phase } from '../src/protocol/constants.js';
import type { LineSettings } from './model.js';

/** One thing a user does, timed over the wire model. */
export interface WireScenario {
  name: string;
  line: LineSettings;
  runs: number;
  /** Sync before the measured part (a session already established), or leave it to `measure`. */
  syncFirst: boolean;
  /** Run the link without Read Partition send-ahead (the lock-step exchange); else the link's default. */
  lockStep?: boolean;
  /**
   * Unmeasured runs first, on fresh boards like the measured ones: a short scenario's first runs in a
   * process execute cold JavaScript (interpreted, not yet optimized), 0.2-0.5 ms per host reaction
   * instead of tens of µs — as much as the host overhead being measured. The first of them is still
   * reported (`firstRunMs`): what a one-shot CLI invocation pays.
   */
  warmUpRuns?: number;
  measure(link: Link): Promise<unknown>;
}

/** 256 KiB: the flashlayout alternate's size in U-Boot phase 0x00 ("@FlashLayout/0x00/1*256Ke ram"). */
export const DOWNLOAD_BYTES = 256 * 1024;

/** A word the default DK2 fuses leave blank, written and locked like a serial number or MAC. */
export const OTP_EDIT = { op: 'write', word: 70, value: 0x00001234, lock: true } as const;

const LINE_115200 = { baud: 115_200, latencyMs: 1 } as const;
const LINE_921600 = { baud: 921_600, latencyMs: 1 } as const;

/** Deterministic non-trivial payload (so checksums vary packet to packet). */
export function payload(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const DATA = payload(DOWNLOAD_BYTES);

export const otpReadScenario = (runs: number, lockStep = false): WireScenario => ({
  name: lockStep ? 'otp-read-lock-step' : 'otp-read',
  line: LINE_115200,
  runs,
  syncFirst: true,
  lockStep,
  warmUpRuns: 5,
  measure: (link) => readOtp(link),
});

export const otpWriteScenario = (runs: number): WireScenario => ({
  name: 'otp-write-verify',
  line: LINE_115200,
  runs,
  syncFirst: true,
  warmUpRuns: 3,
  measure: (link) => writeOtp(link, { edits: [OTP_EDIT], yes: true }),
});

export const infoScenario = (runs: number): WireScenario => ({
  name: 'info',
  line: LINE_115200,
  runs,
  syncFirst: false,
  // The first scenario of the process, 15 ms a run: ~20 runs until V8 has optimized the host path.
  warmUpRuns: 20,
  measure: async (link) => {
    await link.sync();
    return readBoardInfo(link);
  },
});

export const downloadScenario = (baud: 115_200 | 921_600, runs: number): WireScenario => ({
  name: `download-256k-${baud}`,
  line: baud === 115_200 ? LINE_115200 : LINE_921600,
  runs,
  syncFirst: true,
  // Phase 0x00 of U-Boot: the flashlayout buffer takes up to 256 KiB (the ROM code's FSBL limit is
  // 247 KiB, so 256 KiB would not fit there).
  measure: (link) => downloadBuffer(link, Phase.FLASHLAYOUT, DATA),
});
