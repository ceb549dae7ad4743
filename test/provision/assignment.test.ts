import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatedBoardFuses } from '../../src/operations/provision/emulated-fuses.js';
import { loadProvisionPlan } from '../../src/operations/provision/plan.js';
import { provision } from '../../src/operations/provision/provision.js';
import type { BoardPlan } from '../../src/operations/provision/types.js';
import { macToWords } from '../../src/otp/mac.js';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { SMALLEST_PLAN, auditLines, downloadsIn, emulatedTargets, emulatedUid, tempDir, withWord, writePlan } from './helpers.js';

/** Board 1's word 70 holds bits the plan's 0x1234 lacks: the codec refuses it (1→0). */
const refusedFirst = (i: number): Buffer => (i === 1 ? withWord(emulatedBoardFuses(1), 70, 0xffff0000) : emulatedBoardFuses(i));

const stateOf = (dir: string): { addresses: { mac: string; uid: string; state: string; port: string }[] } => JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8'));

describe('which pool address goes to which board', () => {
  it('reserves, before the question, the addresses the question shows, in --port order, and burns exactly those', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(4);
    let shown: BoardPlan[] = [];
    let stateAtQuestion: ReturnType<typeof stateOf> | undefined;
    const run = await provision({
      plan,
      targets,
      confirm: async (plans) => {
        shown = plans;
        stateAtQuestion = stateOf(dir);
        return true;
      },
    });
    expect(run.exitCode).toBe(0);
    const macs = ['02:00:00:00:00:10', '02:00:00:00:00:11', '02:00:00:00:00:12', '02:00:00:00:00:13'];
    expect(shown.map((p) => [p.port, p.mac])).toEqual(macs.map((m, i) => [`emulator:${i + 1}`, { address: m, reused: false, reserved: true }]));
    expect(stateAtQuestion!.addresses.map((a) => [a.mac, a.uid, a.state])).toEqual(macs.map((m, i) => [m, emulatedUid(i + 1), 'reserved']));
    expect(run.boards.map((b) => b.pool?.mac)).toEqual(macs);
    boards.forEach((board, i) => {
      const fuses = decodeOtpStructure(board.fuseStructure());
      expect(fuses.words[57]!.value).toBe(macToWords(macs[i]!, 'STM32MP15')[57]);
      expect(fuses.words[58]!.value).toBe(macToWords(macs[i]!, 'STM32MP15')[58]);
    });
  });

  it('gives back the reservations of a declined run: nothing was sent, so the addresses stay free', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(2);
    const run = await provision({ plan, targets, confirm: async () => false });
    expect(run.exitCode).toBe(4);
    expect(stateOf(dir).addresses).toEqual([]);
    expect(boards.map(downloadsIn)).toEqual([0, 0]);
  });

  it('previews on a dry run the assignment the real run makes, skipping a board the codec refuses', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const dry = await provision({ plan, targets: emulatedTargets(3, {}, refusedFirst).targets, dryRun: true });
    expect(dry.boards.map((b) => [b.result, b.error?.code, b.pool?.mac])).toEqual([
      ['failed', 'OTP_REFUSED', undefined],
      ['dry-run', undefined, '02:00:00:00:00:10'],
      ['dry-run', undefined, '02:00:00:00:00:11'],
    ]);
    const real = await provision({ plan, targets: emulatedTargets(3, {}, refusedFirst).targets, yes: true });
    expect(real.boards.map((b) => [b.result, b.pool?.mac])).toEqual([
      ['failed', undefined],
      ['ok', '02:00:00:00:00:10'],
      ['ok', '02:00:00:00:00:11'],
    ]);
    expect(stateOf(dir).addresses.map((a) => [a.port, a.mac])).toEqual([
      ['emulator:2', '02:00:00:00:00:10'],
      ['emulator:3', '02:00:00:00:00:11'],
    ]);
  });

  it('does not let boards refused at plan time use up a small pool', async () => {
    const dir = tempDir();
    // Board 2 has no row in the CSV: PLAN_VALUE_MISSING.
    writeFileSync(join(dir, 'boards.csv'), `uid,boardId\n${emulatedUid(1)},1\n${emulatedUid(3)},3\n`);
    const plan = await loadProvisionPlan(
      writePlan(dir, {
        ...SMALLEST_PLAN,
        macPool: { ...SMALLEST_PLAN.macPool, count: 2 },
        edits: [...SMALLEST_PLAN.edits, { op: 'write', word: 60, from: { csv: 'boards.csv', column: 'boardId' } }],
      }),
    );
    const run = await provision({ plan, targets: emulatedTargets(3, {}, refusedFirst).targets, yes: true });
    expect(run.boards.map((b) => [b.result, b.error?.code, b.pool?.mac])).toEqual([
      ['failed', 'OTP_REFUSED', undefined],
      ['failed', 'PLAN_VALUE_MISSING', undefined],
      ['ok', undefined, '02:00:00:00:00:10'],
    ]);

    // The refused boards' audit lines: no address of another board, and the words as read.
    const audit = auditLines(join(dir, 'provision-audit.jsonl'));
    const refused = audit.find((l) => l.port === 'emulator:1')!;
    const missing = audit.find((l) => l.port === 'emulator:2')!;
    for (const line of [refused, missing]) {
      expect(line.pool).toBeUndefined();
      expect(line.words.map((w: { id: number }) => w.id)).toEqual([57, 58, 60, 70]);
    }
    expect(refused.words.find((w: { id: number }) => w.id === 70).before).toEqual({ value: 0xffff0000, status: 0 });
    expect(missing.words.find((w: { id: number }) => w.id === 57).before).toEqual({ value: 0, status: 0 });
    expect(refused.error.code).toBe('OTP_REFUSED');
  });
});
