import { CancelledError, InputError, VerifyError } from '../errors.js';
import type { Link } from '../link/link.js';
import { Phase } from '../protocol/constants.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { downloadBuffer } from './transfer.js';

/**
 * The STPMIC1 NVM behind U-Boot's partition 0xF4 (an5275-uart.md "Read Partition", "Download",
 * "Start"): 8 bytes, read with Read Partition 0xF4, written with Download to 0xF4 then Start 0xF4,
 * which makes U-Boot program the PMIC. Same path as OTP writes: read → diff → confirm → write →
 * read back → verify.
 */
export const PMIC_NVM_BYTES = 8;

export interface PmicByteChange {
  offset: number;
  from: number;
  to: number;
}

export interface PmicWritePlan {
  current: Buffer;
  requested: Buffer;
  /** Bytes that differ, in offset order; empty when the NVM already holds the request. */
  changes: PmicByteChange[];
}

export interface PmicWriteResult {
  outcome: 'written' | 'dry-run' | 'nothing-to-do';
  plan: PmicWritePlan;
  /** The read-back (written) or the current bytes (nothing to do). */
  after?: Buffer;
}

export interface PmicWriteOptions {
  dryRun?: boolean;
  yes?: boolean;
  /** Asked once the diff is known; resolve false to cancel. Required unless `yes`. */
  confirm?: (plan: PmicWritePlan) => Promise<boolean>;
  /** Called with the diff before confirmation (the CLI shows it). */
  onPlan?: (plan: PmicWritePlan) => void;
  logger?: Logger;
}

/** Checks an NVM image: exactly 8 bytes (InputError PMIC_SIZE otherwise). */
export function checkPmicImage(data: Uint8Array, source = 'the PMIC NVM image'): Buffer {
  if (data.length !== PMIC_NVM_BYTES) {
    throw new InputError('PMIC_SIZE', `${source} has ${data.length} byte(s); the PMIC NVM (partition 0xF4) is exactly ${PMIC_NVM_BYTES} bytes`, {
      details: { size: data.length, expected: PMIC_NVM_BYTES },
    });
  }
  return Buffer.from(data);
}

/** Read Partition 0xF4 from offset 0 (U-Boot refreshes its copy from the PMIC there). */
export async function readPmicNvm(link: Link, options: { logger?: Logger } = {}): Promise<Buffer> {
  (options.logger ?? silentLogger).trace({ step: 'read-pmic' }, 'reading the PMIC NVM (partition 0xF4)');
  const bytes = await link.readPartition(Phase.PMIC, 0, PMIC_NVM_BYTES);
  return Buffer.from(bytes);
}

/** The byte diff between the NVM and a requested image (pure). */
export function planPmicWrite(current: Uint8Array, requested: Uint8Array): PmicWritePlan {
  const cur = checkPmicImage(current, 'the current PMIC NVM');
  const req = checkPmicImage(requested);
  const changes: PmicByteChange[] = [];
  for (let i = 0; i < PMIC_NVM_BYTES; i++) if (cur[i] !== req[i]) changes.push({ offset: i, from: cur[i]!, to: req[i]! });
  return { current: cur, requested: req, changes };
}

/**
 * Writes the 8-byte NVM image: read the current bytes, diff, confirm, Download to 0xF4 + Start 0xF4,
 * read back and compare (VerifyError VERIFY_FAILED, exit 3, on a difference). Nothing is sent when
 * the NVM already holds the image, on a dry run, or without a confirmation.
 */
export async function writePmicNvm(link: Link, data: Uint8Array, options: PmicWriteOptions = {}): Promise<PmicWriteResult> {
  const log = options.logger ?? silentLogger;
  const requested = checkPmicImage(data);
  const current = await readPmicNvm(link, { logger: log });
  const plan = planPmicWrite(current, requested);
  options.onPlan?.(plan);
  if (options.dryRun) return { outcome: 'dry-run', plan };
  if (plan.changes.length === 0) return { outcome: 'nothing-to-do', plan, after: current };
  if (!options.yes) {
    if (!options.confirm) {
      throw new CancelledError('NO_CONFIRMATION', 'refused: a PMIC NVM write needs a confirmation and none can be asked here (no TTY). Review it with --dry-run, then add --yes.');
    }
    if (!(await options.confirm(plan))) throw new CancelledError('CANCELLED', 'cancelled: nothing was written.');
  }
  log.trace({ step: 'download', bytes: PMIC_NVM_BYTES }, 'downloading the PMIC NVM image to phase 0xF4');
  await downloadBuffer(link, Phase.PMIC, requested, undefined, { restartOnTimeout: 2 });
  log.trace({ step: 'start' }, 'Start 0xF4: programming the PMIC NVM');
  await link.start(Phase.PMIC);
  const after = await readPmicNvm(link, { logger: log });
  if (!after.equals(requested)) {
    const differing = [...requested.keys()].filter((i) => after[i] !== requested[i]);
    throw new VerifyError(`PMIC NVM read-back differs at byte(s) ${differing.join(', ')}: expected ${requested.toString('hex')}, found ${after.toString('hex')}`, {
      expected: requested.toString('hex'),
      found: after.toString('hex'),
      offsets: differing,
    });
  }
  return { outcome: 'written', plan, after };
}
