/**
 * Every error the library throws is an {@link Stm32mpError} with a stable `code` (tests and the CLI
 * switch on it, never on the message) and the CLI exit code of its family:
 *
 * Stm32mpError
 * ├─ LinkError        exit 1  the board or the link failed
 * │    TIMEOUT, NACK, ABORT, PROTOCOL, SYNC_FAILED, PORT, PORT_CLOSED, NOT_SUPPORTED,
 * │    STAGE_TIMEOUT, PHASE_UNEXPECTED, DEVICE_ERROR, REPLAY_MISMATCH, REPLAY_EXHAUSTED, REPLAY_INCOMPLETE,
 * │    OTP_UNAVAILABLE, OTP_WRITE_ABORTED
 * ├─ InputError       exit 2  bad input or usage, or a request the fuses cannot take (nothing sent)
 * │    USAGE, FILE, OTP_SIZE, OTP_VERSION, OTP_ALIGN, OTP_REFUSED, IMAGE_INVALID,
 * │    LAYOUT_INVALID, CAPTURE_INVALID, PLAN_INVALID, PLAN_VALUE_MISSING, POOL_EXHAUSTED, POOL_LOCKED,
 * │    POOL_STATE_INVALID, MAC_PRESENT, DUPLICATE_UID, PMIC_SIZE
 * ├─ VerifyError      exit 3  read-back verification failed   VERIFY_FAILED
 * └─ CancelledError   exit 4  declined / no confirmation / brick risk without --force
 *      CANCELLED, NO_CONFIRMATION, BRICK_RISK
 */

export type ExitCode = 0 | 1 | 2 | 3 | 4;

export const ExitCode = {
  OK: 0,
  LINK: 1,
  INPUT: 2,
  VERIFY: 3,
  CANCELLED: 4,
} as const;

export class Stm32mpError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  /** Structured facts for --json output and tests. */
  readonly details: Record<string, unknown>;

  constructor(
    code: string,
    exitCode: ExitCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** The board or the link failed: timeout, NACK, ABORT, checksum, port (exit 1). */
export class LinkError extends Stm32mpError {
  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, ExitCode.LINK, message, options);
  }
}

/** No answer before the deadline. `received` holds the bytes that did arrive. */
export class TimeoutError extends LinkError {
  readonly received: Buffer;
  constructor(message: string, received: Buffer = Buffer.alloc(0), details: Record<string, unknown> = {}) {
    super('TIMEOUT', message, { details: { ...details, receivedHex: received.toString('hex') } });
    this.received = received;
  }
}

/** The device answered NACK (0x1F). */
export class NackError extends LinkError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NACK', message, { details });
  }
}

/** The device answered ABORT (0x5F): well-formed command, failed operation. */
export class AbortError extends LinkError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ABORT', message, { details });
  }
}

/** Bad input or usage, or a request the board's fuses cannot take; nothing was sent (exit 2). */
export class InputError extends Stm32mpError {
  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, ExitCode.INPUT, message, options);
  }
}

/** Read-back after a write did not match the request (exit 3). */
export class VerifyError extends Stm32mpError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('VERIFY_FAILED', ExitCode.VERIFY, message, { details });
  }
}

/** The user declined, confirmation was impossible, or a brick-risk write lacked --force (exit 4). */
export class CancelledError extends Stm32mpError {
  constructor(code: 'CANCELLED' | 'NO_CONFIRMATION' | 'BRICK_RISK', message: string, details: Record<string, unknown> = {}) {
    super(code, ExitCode.CANCELLED, message, { details });
  }
}

export function isStm32mpError(e: unknown): e is Stm32mpError {
  return e instanceof Stm32mpError;
}
