import { appendFile } from 'node:fs/promises';
import { InputError } from '../errors.js';

/** One line of the audit log: what went into which board, and how it ended. */
export interface AuditRecord {
  time: string;
  operation: string;
  port: string;
  uid: string | null;
  soc?: string;
  words: { id: number; before: { value: number; status: number }; after: { value: number; status: number } | null }[];
  result: 'ok' | 'dry-run' | 'nothing-to-do' | 'refused' | 'cancelled' | 'failed';
  error?: { code: string; message: string };
  [extra: string]: unknown;
}

/**
 * Appends one JSON line. A single append of a whole line (O_APPEND) keeps lines intact when several
 * processes of a production line share one log.
 */
export async function appendAuditRecord(path: string, record: AuditRecord): Promise<void> {
  await appendFile(path, `${JSON.stringify(record)}\n`, { encoding: 'utf8', flag: 'a' });
}

/** Creates the log if needed and proves it can be appended to, before anything is sent. */
export async function checkAuditLogWritable(path: string): Promise<void> {
  try {
    await appendFile(path, '', { flag: 'a' });
  } catch (err) {
    throw new InputError('FILE', `--audit-log: cannot append to ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was sent`, { cause: err });
  }
}
