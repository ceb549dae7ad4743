import type { ImportedCapture, ImportOptions } from './import-common.js';
import { invalid } from './import-common.js';
import { importSaleae } from './import-saleae.js';
import { importSigrok } from './import-sigrok.js';
import { importSocat } from './import-socat.js';

export type { ImportedCapture, ImportOptions } from './import-common.js';
export { UNKNOWN_START } from './import-common.js';
export { importSaleae } from './import-saleae.js';
export { importSigrok } from './import-sigrok.js';
export { importSocat } from './import-socat.js';

export const IMPORT_FORMATS = ['socat', 'saleae', 'sigrok'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Text of the tool's output; Saleae may come as one file per direction. */
export type ImportInput = string | { tx?: string; rx?: string };

/**
 * Turns another tool's capture into ours (the capture format of format.ts). Errors are InputError
 * CAPTURE_INVALID naming the file and line; bytes kept despite an error flag are in `warnings`.
 */
export function importCapture(format: ImportFormat, input: ImportInput, options: ImportOptions = {}): ImportedCapture {
  if (format === 'saleae') return importSaleae(input, options);
  if (typeof input !== 'string') throw invalid(options.source ?? format, undefined, `${format} takes one file (one file per direction is for saleae)`);
  if (format === 'socat') return importSocat(input, options);
  if (format === 'sigrok') return importSigrok(input, options);
  throw invalid(options.source ?? String(format), undefined, `unknown import format ${JSON.stringify(format)}: expected ${IMPORT_FORMATS.join(', ')}`);
}
