import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { InputError } from '../../errors.js';

/**
 * An exclusive lock file around a read-modify-write of a shared state file (the MAC pool), between
 * the boards of one run and between processes: created with O_CREAT|O_EXCL ('wx'), holding the
 * owner's pid and host, removed when done. A lock left by a process that died (same host, pid no
 * longer running) is stale and is broken — under a second "break" lock, so that two waiters that
 * both saw the dead owner cannot remove each other's fresh lock.
 */

export interface LockOptions {
  /** Give up after this long (InputError POOL_LOCKED). Default 10 s. */
  timeoutMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  time: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A lock file without readable owner (its writer died between create and write) is stale after this. */
const UNREADABLE_STALE_MS = 5_000;
/** The break lock is held for a few file operations; older means its holder died. */
const BREAK_LOCK_STALE_MS = 5_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      const owner: LockOwner = { pid: process.pid, host: hostname(), time: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(owner));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new InputError('FILE', `cannot create the lock file ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
}

async function readOwner(path: string): Promise<{ text: string; owner?: LockOwner; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(text) as LockOwner;
      if (Number.isInteger(parsed.pid) && typeof parsed.host === 'string') owner = parsed;
    } catch {
      owner = undefined;
    }
    return { text, ...(owner ? { owner } : {}), ageMs: Date.now() - info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function isStale(seen: { owner?: LockOwner; ageMs: number }): boolean {
  if (!seen.owner) return seen.ageMs > UNREADABLE_STALE_MS;
  return seen.owner.host === hostname() && !alive(seen.owner.pid);
}

/** Removes `path` if it still holds exactly `text` (checked under the break lock). */
async function breakStaleLock(path: string, text: string): Promise<void> {
  const breakPath = `${path}.break`;
  if (!(await tryCreate(breakPath))) {
    const other = await readOwner(breakPath);
    if (other && (isStale(other) || other.ageMs > BREAK_LOCK_STALE_MS)) await unlink(breakPath).catch(() => {});
    return;
  }
  try {
    const now = await readOwner(path);
    if (now && now.text === text) await unlink(path).catch(() => {});
  } finally {
    await unlink(breakPath).catch(() => {});
  }
}

/** Runs `fn` while holding the lock file `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  let waitMs = 2;
  for (;;) {
    if (await tryCreate(path)) break;
    const seen = await readOwner(path);
    if (seen && isStale(seen)) {
      await breakStaleLock(path, seen.text);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      const who = seen?.owner ? `process ${seen.owner.pid} on ${seen.owner.host} since ${seen.owner.time}` : 'an unknown process';
      throw new InputError('POOL_LOCKED', `the lock ${path} is held by ${who}; if no stm32mp-uart process uses the pool any more, delete the lock file`, {
        details: { file: path, ...(seen?.owner ? { owner: seen.owner } : {}) },
      });
    }
    // A file lock has no wake-up: poll, with a growing, jittered wait so waiters do not march in step.
    await delay(waitMs + Math.floor(Math.random() * waitMs));
    waitMs = Math.min(50, waitMs * 2);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}
