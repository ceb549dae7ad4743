import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefaultFuses } from '../../src/emulator/board.js';
import { emulatedBoardFuses } from '../../src/operations/provision/emulated-fuses.js';
import { loadProvisionPlan } from '../../src/operations/provision/plan.js';
import { provision } from '../../src/operations/provision/provision.js';
import type { BoardPlan } from '../../src/operations/provision/types.js';
import { SMALLEST_PLAN, downloadsIn, emulatedTargets, tempDir, writePlan } from './helpers.js';

describe('provisioning: confirmation, dry run and per-board refusals', () => {
  it('refuses without yes or a confirmation before opening any board', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(2);
    await expect(provision({ plan, targets })).rejects.toMatchObject({ code: 'NO_CONFIRMATION', exitCode: 4 });
    expect(boards).toEqual([]);
    expect(existsSync(join(dir, 'mac-pool.json'))).toBe(false);
  });

  it('shows every board its plan on a dry run, with distinct previewed addresses, and sends and reserves nothing', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(3);
    const run = await provision({ plan, targets, dryRun: true });
    expect(run.exitCode).toBe(0);
    expect(run.boards.map((b) => [b.result, b.pool])).toEqual([
      ['dry-run', { mac: '02:00:00:00:00:10', reused: false, state: 'preview' }],
      ['dry-run', { mac: '02:00:00:00:00:11', reused: false, state: 'preview' }],
      ['dry-run', { mac: '02:00:00:00:00:12', reused: false, state: 'preview' }],
    ]);
    expect(run.boards[0]!.words.map((w) => [w.id, w.requested!.value, w.skipped])).toEqual([[57, 2], [58, 0x1000], [70, 0x1234]].map((x) => [...x, false]));
    expect(boards.map(downloadsIn)).toEqual([0, 0, 0]);
    expect(existsSync(join(dir, 'mac-pool.json'))).toBe(false);
    expect(existsSync(join(dir, 'provision-audit.jsonl'))).toBe(false);
  });

  it('asks once for the whole run with every plan; declined, nothing is sent and no address stays reserved (exit 4)', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(2);
    const asked: BoardPlan[][] = [];
    const run = await provision({ plan, targets, confirm: async (plans) => (asked.push(plans), false) });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.map((p) => [p.port, p.otp.pending])).toEqual([['emulator:1', 3], ['emulator:2', 3]]);
    expect(run.exitCode).toBe(4);
    expect(run.boards.map((b) => [b.result, b.error?.code])).toEqual([['cancelled', 'CANCELLED'], ['cancelled', 'CANCELLED']]);
    expect(boards.map(downloadsIn)).toEqual([0, 0]);
    // Reserved before the question, given back when it was declined.
    expect(JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8')).addresses).toEqual([]);
  });

  it('refuses a board that already has another MAC, and the board whose pool ran dry, and burns the rest', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir, { ...SMALLEST_PLAN, macPool: { ...SMALLEST_PLAN.macPool, count: 2 } }));
    // Board 1: the DK2 as shipped (ST's MAC 00:80:e1:42:48:e4, locked); boards 2-4 blank.
    const { targets, boards } = emulatedTargets(4, {}, (i) => (i === 1 ? emulatedBoardFuses(1, { base: loadDefaultFuses('STM32MP15'), keepMac: true }) : emulatedBoardFuses(i)));
    const run = await provision({ plan, targets, yes: true });
    expect(run.boards.map((b) => [b.result, b.error?.code, b.pool?.mac])).toEqual([
      ['failed', 'MAC_PRESENT', undefined],
      ['ok', undefined, '02:00:00:00:00:10'],
      ['ok', undefined, '02:00:00:00:00:11'],
      ['failed', 'POOL_EXHAUSTED', undefined],
    ]);
    expect(run.boards[0]!.error!.message).toContain('00:80:e1:42:48:e4');
    expect(run.exitCode).toBe(2);
    expect(downloadsIn(boards[0]!)).toBe(0);
    expect(downloadsIn(boards[3]!)).toBe(0);
    const audit = readFileSync(join(dir, 'provision-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((l) => [l.port, l.result]).sort()).toEqual([['emulator:1', 'failed'], ['emulator:2', 'ok'], ['emulator:3', 'ok'], ['emulator:4', 'failed']]);
  });

  it('refuses per board what the codec refuses (a 1→0 bit), before anything is sent', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir, { version: 1, edits: [{ op: 'write', word: 59, value: '0x00000001' }] }));
    const { targets, boards } = emulatedTargets(1, {}, (i) => emulatedBoardFuses(i, { base: loadDefaultFuses('STM32MP15'), keepMac: true }));
    const run = await provision({ plan, targets, yes: true, auditLog: false });
    expect(run.boards[0]).toMatchObject({ result: 'failed', error: { code: 'OTP_REFUSED', exitCode: 2 } });
    expect(downloadsIn(boards[0]!)).toBe(0);
  });

  it('makes a verification failure the run exit code (3) over a link failure (1)', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    // Board 1: Start 0xF2 programs nothing → read-back mismatch; board 2: Get ID answered NACK ×4.
    const { targets } = emulatedTargets(3, { 1: 'otp-no-program', 2: 'nack-cmd:1,nack-cmd:2,nack-cmd:3,nack-cmd:4' });
    const run = await provision({ plan, targets, yes: true });
    expect(run.boards.map((b) => [b.result, b.error?.code])).toEqual([['failed', 'VERIFY_FAILED'], ['failed', 'NACK'], ['ok', undefined]]);
    expect(run.exitCode).toBe(3);
    const state = JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8'));
    // The board that failed before its plan never took an address.
    expect(state.addresses.map((a: { port: string; state: string }) => [a.port, a.state]).sort()).toEqual([['emulator:1', 'failed'], ['emulator:3', 'burnt']]);
  });
});
