/**
 * The public API of stm32mp-uart: everything the CLI does, for TypeScript and JavaScript programs.
 * The CLI itself is built on these exports. Every error thrown is an {@link Stm32mpError} with a
 * stable `code` and the CLI's exit code (`exitCode`); the library never prints, prompts or exits.
 *
 * ```js
 * import { openBoard, readOtp, uidOf } from 'stm32mp-uart';
 * const board = await openBoard({ port: '/dev/ttyUSB0' }); // or 'emulator'
 * try {
 *   const { structure } = await readOtp(board.link);
 *   console.log(uidOf(structure));
 * } finally {
 *   await board.close();
 * }
 * ```
 */

// Errors
export {
  Stm32mpError,
  LinkError,
  TimeoutError,
  NackError,
  AbortError,
  InputError,
  VerifyError,
  CancelledError,
  ExitCode,
  isStm32mpError,
} from './errors.js';

// Opening a board, the link, transports
export { openBoard, resolvePortName, type OpenBoardOptions, type BoardSession } from './operations/open-board.js';
export { Link, type LinkOptions } from './link/link.js';
export type { LinkEvent, LinkListener } from './link/events.js';
export { DEFAULT_SYNC_TIMING, syncTransport, type SyncTiming, type SyncResult } from './link/sync.js';
export { QueueTransport, DEFAULT_SERIAL_SETTINGS, type Transport, type SerialSettings, type Parity, type Direction, type Tap } from './transport/transport.js';
export { SerialTransport, listPorts, type PortSummary } from './transport/serial.js';
export { parseResetSequence, applyResetSequence, RESET_PRESETS, type ResetStep } from './transport/reset-lines.js';
export { realClock, ManualClock, Deadline, type Clock } from './util/clock.js';
export { silentLogger, type Logger, type LogLevel } from './util/logger.js';

// Protocol tables
export { Command, Reply, Phase, ProductId, MAX_PACKET_BYTES, commandName, phaseName, socFromProductId, type SocFamily, type Stage } from './protocol/constants.js';

// Operations: info, OTP, boot, PMIC, provisioning
export { readBoardInfo, type BoardInfo } from './operations/info.js';
export { readOtp, identifySoc, type OtpReadOptions, type OtpReadResult } from './operations/otp-read.js';
export {
  writeOtp,
  planOtpWrite,
  checkBrickRisks,
  programOtp,
  verifyOtpWrite,
  uidOf,
  wordRecords,
  type OtpWriteOptions,
  type OtpWritePlan,
  type OtpWriteResult,
  type WordCheck,
} from './operations/otp-write.js';
export { appendAuditRecord, type AuditRecord } from './operations/audit-log.js';
export { downloadBuffer, type TransferProgress } from './operations/transfer.js';
export {
  bootToUBoot,
  bootIfRequested,
  prepareBoot,
  DEFAULT_STAGE_CHANGE_TIMEOUT_MS,
  type BootOptions,
  type BootResult,
  type BootEvent,
  type BootStageResult,
  type PreparedBoot,
} from './operations/boot.js';
export {
  readPmicNvm,
  writePmicNvm,
  planPmicWrite,
  checkPmicImage,
  PMIC_NVM_BYTES,
  type PmicWriteOptions,
  type PmicWritePlan,
  type PmicWriteResult,
  type PmicByteChange,
} from './operations/pmic.js';
export * from './operations/provision/index.js';

// Boot images
export { parseFlashlayout, serialBootRows, type Flashlayout, type FlashlayoutRow } from './boot/flashlayout.js';
export { parseStm32Image, buildStm32Image, isStm32Image, type Stm32ImageInfo } from './boot/stm32-image.js';
export { checkFipHeader, buildFip, type FipInfo } from './boot/fip.js';

// The OTP codec (pure)
export { decodeOtpStructure, encodeOtpStructure, emptyOtpStructure, type OtpStructure, type OtpWord } from './otp/structure.js';
export { OTP_LAYOUTS, OTP_STRUCT_VERSION, type OtpLayout } from './otp/layout.js';
export { STATUS, STATUS_FLAGS, statusFlags, type StatusFlag } from './otp/status.js';
export { decodeNamedWords, type NamedWords } from './otp/named.js';
export { NAMED_WORD_IDS } from './otp/named-tables.js';
export { buildWriteRequest, STICKY_LOCK_BITS, REFUSAL_CODES, type OtpEdit, type StickyLock, type WriteRequest, type PlannedWord, type OtpRefusal, type RefusalCode } from './otp/request.js';
export { findBrickRisks, BRICK_RISK_CODES, type BrickRisk, type BrickRiskCode } from './otp/brick-risk.js';
export { diffOtp, type OtpWordDiff, type OtpWordState } from './otp/diff.js';
export { toOtpJson, type OtpJson } from './otp/json.js';
export { parseMac, formatMac, macToWords, macWordIds, macBytesFromStructure, isMacUnset } from './otp/mac.js';
export { decodeGlobalState, type GlobalStateInfo } from './otp/global-state.js';
export { parseWordsSpec } from './otp/words-spec.js';
export { formatWord } from './otp/bits.js';
export { socFamilyFromOption } from './otp/soc.js';

// Captures: record, replay, decode, import
export { startRecording } from './capture/recorder.js';
export { ReplayTransport, openReplayTransport, type ReplayOptions } from './capture/replay-transport.js';
export { parseCapture, serializeCapture, CAPTURE_FORMAT, CAPTURE_VERSION, type Capture, type CaptureHeader, type CaptureChunk } from './capture/format.js';
export { decodeCapture, createCaptureDecoder, describeFrameAt, frameTraceLine } from './capture/decode.js';
export type { DecodedFrame, DecoderChunk, DecoderOptions, CaptureDecoder, FrameKind } from './capture/decode-types.js';
export { importCapture, IMPORT_FORMATS, type ImportFormat, type ImportInput, type ImportOptions } from './capture/import.js';

// The emulated board
export { EmulatedBoard, loadDefaultFuses, STAGE_BOOT_MS, type EmulatedBoardOptions, type EmulatorEvent } from './emulator/board.js';
export { parseFaultPlan, FAULT_PLAN_HELP, type Fault, type FaultPlan } from './emulator/faults.js';
export { servePty, type PtyServer } from './emulator/pty-server.js';

// Also used by the CLI
export { STAGE_LABELS } from './link/stage.js';
export { NAMED_LABELS } from './otp/named-tables.js';
export { unknownStatusBits } from './otp/status.js';
export { hex32, hex8 } from './protocol/frame.js';
export { RESET_HELP } from './transport/reset-lines.js';
export { streamCaptureFile, type CaptureItem } from './capture/read-capture.js';
export { CaptureLineParser, isCaptureProblem, type CaptureProblem, type LenientCapture, type ParseOptions } from './capture/format.js';
export { traceWithDecoder } from './capture/trace.js';
export { UNKNOWN_START, type ImportedCapture } from './capture/import.js';
