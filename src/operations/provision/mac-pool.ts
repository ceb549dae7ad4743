import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../errors.js';
import { formatMac, parseMac } from '../../otp/mac.js';
import { withFileLock, type LockOptions } from './file-lock.js';
import type { MacPoolSpec } from './plan.js';

/**
 * A pool of consecutive MAC addresses shared by every board and every process of a production line.
 * The state file says which address went to which board UID. The rules that keep an address from
 * ever going to two boards:
 * - every read-modify-write of the state holds the pool's lock file (file-lock.ts);
 * - the new state is written to a temporary file, flushed, then renamed over the old one, so a crash
 *   leaves either the old or the new state, never half a file;
 * - an address is RESERVED (written to the state with the board's UID) before anything is sent to
 *   the board, and an address in the state, whatever its state, is never handed to another UID —
 *   a crash between reservation and write loses at most that address, never reuses it;
 * - a board that already has an address in the pool gets that same address back (a plan re-run).
 */

export type MacAddressState = 'reserved' | 'burnt' | 'failed';

export interface MacPoolEntry {
  /** `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  /** The board UID (words 13-15 in hex) the address went to. */
  uid: string;
  state: MacAddressState;
  port?: string;
  reservedAt: string;
  updatedAt: string;
}

export interface MacPoolState {
  format: 'stm32mp-uart-mac-pool';
  version: 1;
  start: string;
  count: number;
  addresses: MacPoolEntry[];
}

export interface MacReservation {
  entry: MacPoolEntry;
  /** The UID already had this address (a re-run): nothing new was taken from the pool. */
  reused: boolean;
}

const FORMAT = 'stm32mp-uart-mac-pool';

function macNumber(mac: string): number {
  return parseMac(mac).reduce((acc, b) => acc * 256 + b, 0);
}

function macFromNumber(n: number): string {
  const bytes: number[] = [];
  for (let i = 5; i >= 0; i--) bytes.push(Math.floor(n / 256 ** i) % 256);
  return formatMac(bytes);
}

export class MacPool {
  readonly spec: MacPoolSpec;
  private readonly lockOptions: LockOptions;

  constructor(spec: MacPoolSpec, options: LockOptions = {}) {
    this.spec = spec;
    this.lockOptions = options;
  }

  get lockPath(): string {
    return `${this.spec.statePath}.lock`;
  }

  /** The address at position `i` of the pool. */
  addressAt(i: number): string {
    return macFromNumber(macNumber(this.spec.start) + i);
  }

  /** The state as on disk (no lock: a snapshot for previews and reports); empty if no file yet. */
  async read(): Promise<MacPoolState> {
    let text: string;
    try {
      text = await readFile(this.spec.statePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: FORMAT, version: 1, start: this.spec.start, count: this.spec.count, addresses: [] };
      throw new InputError('FILE', `cannot read the MAC pool state ${this.spec.statePath}: ${(err as Error).message}`, { cause: err, details: { file: this.spec.statePath } });
    }
    let state: MacPoolState;
    try {
      state = JSON.parse(text) as MacPoolState;
    } catch (err) {
      throw new InputError('POOL_STATE_INVALID', `the MAC pool state ${this.spec.statePath} is not JSON (${(err as Error).message}); restore it from a backup — it records which address went to which board`, {
        cause: err,
        details: { file: this.spec.statePath },
      });
    }
    if (state.format !== FORMAT || !Array.isArray(state.addresses)) {
      throw new InputError('POOL_STATE_INVALID', `${this.spec.statePath} is not a MAC pool state file (format "${FORMAT}")`, { details: { file: this.spec.statePath } });
    }
    if (state.start !== this.spec.start) {
      throw new InputError('POOL_STATE_INVALID', `${this.spec.statePath} belongs to a pool starting at ${state.start}, but the plan's pool starts at ${this.spec.start}`, {
        details: { file: this.spec.statePath, stateStart: state.start, planStart: this.spec.start },
      });
    }
    return state;
  }

  /** The entry of a UID, if it has one. */
  static entryOf(state: MacPoolState, uid: string): MacPoolEntry | undefined {
    return state.addresses.find((a) => a.uid === uid);
  }

  /** The first address of the pool that is in no entry and not in `taken`; undefined when empty. */
  nextFree(state: MacPoolState, taken: ReadonlySet<string> = new Set()): string | undefined {
    const used = new Set(state.addresses.map((a) => a.mac));
    for (let i = 0; i < this.spec.count; i++) {
      const mac = this.addressAt(i);
      if (!used.has(mac) && !taken.has(mac)) return mac;
    }
    return undefined;
  }

  /** Addresses left. */
  remaining(state: MacPoolState): number {
    const first = macNumber(this.spec.start);
    const inPool = new Set(state.addresses.map((a) => macNumber(a.mac)).filter((n) => n >= first && n < first + this.spec.count));
    return this.spec.count - inPool.size;
  }

  /**
   * The UID's address: the one it already has, else the next free one, recorded as reserved before
   * this returns. InputError POOL_EXHAUSTED when the pool is empty.
   */
  async reserve(uid: string, port?: string): Promise<MacReservation> {
    const [r] = await this.reserveMany([{ uid, ...(port ? { port } : {}) }]);
    if (r instanceof InputError) throw r;
    return r!;
  }

  /**
   * `reserve` for several boards under one hold of the lock, in the order given (a run's --port
   * order, so the addresses a dry run previews are the ones a real run takes). A board the pool has
   * no address left for gets its POOL_EXHAUSTED error in its place; the others are still reserved.
   */
  async reserveMany(requests: readonly { uid: string; port?: string }[]): Promise<(MacReservation | InputError)[]> {
    return this.update((state) => {
      const now = new Date().toISOString();
      let write = false;
      const result = requests.map(({ uid, port }): MacReservation | InputError => {
        const existing = MacPool.entryOf(state, uid);
        if (existing) return { entry: { ...existing }, reused: true };
        const mac = this.nextFree(state);
        if (mac === undefined) {
          return new InputError('POOL_EXHAUSTED', `the MAC pool ${this.spec.start} + ${this.spec.count} is exhausted (state ${this.spec.statePath}): every address went to a board`, {
            details: { start: this.spec.start, count: this.spec.count, state: this.spec.statePath },
          });
        }
        const entry: MacPoolEntry = { mac, uid, state: 'reserved', ...(port ? { port } : {}), reservedAt: now, updatedAt: now };
        state.addresses.push(entry);
        write = true;
        return { entry: { ...entry }, reused: false };
      });
      return { result, write };
    });
  }

  /**
   * Gives back addresses reserved for boards that were then not written (a declined run): an entry
   * is removed only while it is still `reserved` for that UID. Nothing was sent to those boards, so
   * the address is not on any board; after a crash instead, the reservation stays (lost, never reused).
   */
  async release(entries: readonly { uid: string; mac: string }[]): Promise<void> {
    await this.update((state) => {
      const before = state.addresses.length;
      state.addresses = state.addresses.filter((a) => a.state !== 'reserved' || !entries.some((e) => e.uid === a.uid && e.mac === a.mac));
      return { result: undefined, write: state.addresses.length !== before };
    });
  }

  /** Records how the write of a reserved address ended. */
  async mark(uid: string, mac: string, to: MacAddressState): Promise<void> {
    await this.update((state) => {
      const entry = state.addresses.find((a) => a.uid === uid && a.mac === mac);
      if (!entry) throw new InputError('POOL_STATE_INVALID', `${mac} for board ${uid} is not in the pool state ${this.spec.statePath} any more`, { details: { uid, mac } });
      if (entry.state === to) return { result: undefined };
      entry.state = to;
      entry.updatedAt = new Date().toISOString();
      return { result: undefined, write: true };
    });
  }

  /** Read-modify-write under the lock; the state is replaced atomically (temp file + rename). */
  private async update<T>(fn: (state: MacPoolState) => { result: T; write?: boolean }): Promise<T> {
    return withFileLock(
      this.lockPath,
      async () => {
        const state = await this.read();
        state.count = this.spec.count;
        const { result, write } = fn(state);
        if (write) await writeAtomically(this.spec.statePath, `${JSON.stringify(state, null, 2)}\n`);
        return result;
      },
      this.lockOptions,
    );
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    // On disk before the rename: after a power cut the name points at complete contents.
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new InputError('FILE', `cannot write the MAC pool state ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
}
