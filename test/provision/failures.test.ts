import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatedBoardFuses } from '../../src/operations/provision/emulated-fuses.js';
import { MacPool } from '../../src/operations/provision/mac-pool.js';
import { loadProvisionPlan } from '../../src/operations/provision/plan.js';
import { provision } from '../../src/operations/provision/provision.js';
import { macToWords } from '../../src/otp/mac.js';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { auditLines, downloadsIn, emulatedTargets, emulatedUid, tempDir, withWord, writePlan } from './helpers.js';

describe('provisioning: failures stay typed and per board', () => {
  it('refuses an audit log it cannot write before opening any board (FILE, exit 2)', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(2);
    await expect(provision({ plan, targets, yes: true, auditLog: join(dir, 'no-such-folder', 'x.jsonl') })).rejects.toMatchObject({ code: 'FILE', exitCode: 2 });
    expect(boards).toEqual([]);
  });

  it('checks a --boot layout once, before opening any board', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(2);
    await expect(provision({ plan, targets, yes: true, boot: join(dir, 'FlashLayout.tsv') })).rejects.toMatchObject({ code: 'FILE', exitCode: 2 });
    expect(boards).toEqual([]);
  });

  it('makes an audit line that cannot be appended after the burn that board’s failure, and never rejects', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const log = join(dir, 'audit.jsonl');
    const { targets, boards } = emulatedTargets(2);
    const run = await provision({
      plan,
      targets,
      auditLog: log,
      // Between the check and the appends, the log becomes a folder: every append fails (EISDIR).
      confirm: async () => {
        rmSync(log);
        mkdirSync(log);
        return true;
      },
    });
    expect(run.boards.map((b) => [b.result, b.error?.code])).toEqual([['failed', 'FILE'], ['failed', 'FILE']]);
    expect(run.boards[0]!.error!.message).toContain('audit');
    // The fuses were burnt and verified: the result still says what is on the board.
    for (const [i, b] of run.boards.entries()) {
      expect(decodeOtpStructure(boards[i]!.fuseStructure()).words[70]!.value).toBe(0x1234);
      expect(b.words.find((w) => w.id === 70)!.after).toEqual({ value: 0x1234, status: expect.any(Number) });
    }
    expect(run.auditLog).toBeUndefined();
  });

  it('completes a board that a failed write left half programmed, with its own pool address', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const pool = new MacPool(plan.macPool!);
    const { entry } = await pool.reserve(emulatedUid(1), 'emulator:1');
    await pool.mark(emulatedUid(1), entry.mac, 'failed');
    // An ABORT at Start programmed word 57, not 58.
    const half = withWord(emulatedBoardFuses(1), 57, macToWords(entry.mac, 'STM32MP15')[57]!);
    const { targets, boards } = emulatedTargets(1, {}, () => half);
    const run = await provision({ plan, targets, yes: true });
    expect(run.boards[0]).toMatchObject({ result: 'ok', pool: { mac: '02:00:00:00:00:10', reused: true, state: 'burnt' } });
    expect(decodeOtpStructure(boards[0]!.fuseStructure()).words[58]!.value).toBe(0x1000);
  });

  it('still refuses a board whose MAC bits cannot become its pool address', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const pool = new MacPool(plan.macPool!);
    await pool.reserve(emulatedUid(1), 'emulator:1');
    // 0x03: bit 0 is not in 02:00:00:00:00:10.
    const { targets, boards } = emulatedTargets(1, {}, () => withWord(emulatedBoardFuses(1), 57, 3));
    const run = await provision({ plan, targets, yes: true });
    expect(run.boards[0]).toMatchObject({ result: 'failed', error: { code: 'MAC_PRESENT' } });
    expect(downloadsIn(boards[0]!)).toBe(0);
  });

  it('fails the second of two boards with one UID, and burns the first', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(2, {}, () => emulatedBoardFuses(1));
    const run = await provision({ plan, targets, yes: true });
    expect(run.boards.map((b) => [b.result, b.error?.code])).toEqual([['ok', undefined], ['failed', 'DUPLICATE_UID']]);
    expect(run.boards[1]!.error!.message).toContain('emulator:1');
    expect(downloadsIn(boards[1]!)).toBe(0);
  });

  it('keeps a board with nothing to do "nothing-to-do" when the pool lock cannot be had to mark it', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const once = emulatedTargets(1);
    const first = await provision({ plan, targets: once.targets, yes: true, auditLog: false });
    expect(first.boards[0]!.result).toBe('ok');
    // The address is back to "failed" (as after an earlier run whose marking was lost), and a live
    // process (this one) holds the pool lock.
    const state = JSON.parse(readFileSync(plan.macPool!.statePath, 'utf8'));
    state.addresses[0].state = 'failed';
    writeFileSync(plan.macPool!.statePath, JSON.stringify(state));
    writeFileSync(`${plan.macPool!.statePath}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), time: new Date().toISOString() }));
    const again = await provision({ plan, targets: emulatedTargets(1, {}, () => once.boards[0]!.fuseStructure()).targets, yes: true, auditLog: false, poolLock: { timeoutMs: 20 } });
    rmSync(`${plan.macPool!.statePath}.lock`);
    expect(again.boards[0]).toMatchObject({ result: 'nothing-to-do', pool: { mac: '02:00:00:00:00:10', state: 'failed' } });
    expect(again.boards[0]!.warnings!.join('\n')).toContain('POOL_LOCKED');
    expect(again.exitCode).toBe(0);
  });
});
