import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import type { EmulatedBoard } from '../../src/emulator/board.js';
import { emulatedBoardFuses } from '../../src/operations/provision/emulated-fuses.js';
import type { ProvisionTarget } from '../../src/operations/provision/types.js';
import { openBoard } from '../../src/operations/open-board.js';

/** The smallest plan of issue 11, exactly as written there. */
export const SMALLEST_PLAN = {
  version: 1,
  macPool: { start: '02:00:00:00:00:10', count: 100, state: 'mac-pool.json' },
  edits: [
    { op: 'write', words: [57, 58], from: 'macPool' },
    { op: 'write-lock', word: 70, value: '0x00001234' },
  ],
};

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stm32mp-provision-'));
}

/** Writes the plan into `dir` and returns its path. */
export function writePlan(dir: string, plan: unknown = SMALLEST_PLAN, name = 'plan.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(plan, null, 2));
  return path;
}

/** UID of `emulatedBoardFuses(i)` on the DK2 base (word 15 + i). */
export function emulatedUid(i: number): string {
  return ['00410032', '33385116', (0x34383330 + i).toString(16).padStart(8, '0')].join('');
}

/**
 * In-process emulated boards emulator:1..n, each with its own UID and a blank MAC. `boards[i]` is the
 * EmulatedBoard of target i once its session is open (to inspect its log and fuses afterwards).
 */
export function emulatedTargets(n: number, faults: Record<number, string> = {}, fusesOf: (i: number) => Buffer = (i) => emulatedBoardFuses(i)): {
  targets: ProvisionTarget[];
  boards: EmulatedBoard[];
} {
  const boards: EmulatedBoard[] = [];
  const targets = Array.from({ length: n }, (_, k): ProvisionTarget => {
    const port = `emulator:${k + 1}`;
    const fault = faults[k + 1];
    return {
      port,
      openSession: async () => {
        const session = await openBoard({ port, syncTimeoutMs: 2000, emulator: { fuses: fusesOf(k + 1), ...(fault ? { faults: parseFaultPlan(fault) } : {}) } });
        boards[k] = session.board!;
        return session;
      },
    };
  });
  return { targets, boards };
}

/** Download commands the board accepted (board.log, code 0x31). */
export function downloadsIn(board: EmulatedBoard): number {
  return board.log.filter((e) => e.kind === 'command' && e.code === 0x31).length;
}

/** `fuses` (an OTP structure file: 8-byte header, then value + status per word) with one word set. */
export function withWord(fuses: Buffer, word: number, value: number, status = 0): Buffer {
  const out = Buffer.from(fuses);
  out.writeUInt32LE(value >>> 0, 8 + 8 * word);
  out.writeUInt32LE(status >>> 0, 8 + 8 * word + 4);
  return out;
}

/** The audit log of `dir` (provision-audit.jsonl), one object per line. */
export function auditLines(path: string): Record<string, any>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}
