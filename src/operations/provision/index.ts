export { provision, runExitCode, DEFAULT_AUDIT_LOG } from './provision.js';
export { loadProvisionPlan, parseProvisionPlan, planSchemaPath, type ProvisionPlan, type PlanEdit, type PlanValueSource, type MacPoolSpec } from './plan.js';
export { MacPool, type MacPoolEntry, type MacPoolState, type MacAddressState, type MacReservation } from './mac-pool.js';
export { withFileLock, type LockOptions } from './file-lock.js';
export { resolveBoardEdits, macIndexFor, boardMac, macReachable, type ResolvedValue, type BoardEdits, type BoardFacts } from './resolve.js';
export { parseCsv, normalizeUid, UID_PATTERN } from './value-sources.js';
export { SchemaChecker, type JsonSchema, type SchemaError } from './schema-check.js';
export { emulatedBoardFuses, emulatorIndex } from './emulated-fuses.js';
export type { BoardPlan, BoardResult, BoardStage, ProvisionEvent, ProvisionOptions, ProvisionResult, ProvisionTarget, WordRecord, BoardWordRecord } from './types.js';
