import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProvisionPlan } from '../../src/operations/provision/plan.js';
import { provision } from '../../src/operations/provision/provision.js';
import type { ProvisionEvent } from '../../src/operations/provision/types.js';
import { macToWords } from '../../src/otp/mac.js';
import { STATUS } from '../../src/otp/status.js';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { downloadsIn, emulatedTargets, emulatedUid, tempDir, writePlan } from './helpers.js';

const MACS = ['02:00:00:00:00:10', '02:00:00:00:00:11', '02:00:00:00:00:12', '02:00:00:00:00:13'];

describe('provisioning four emulated boards in parallel (in process)', () => {
  it('gives each board its own pool address, burns and verifies every word, and records it all', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    const { targets, boards } = emulatedTargets(4);
    const events: ProvisionEvent[] = [];
    const run = await provision({ plan, targets, yes: true, onEvent: (e) => events.push(e) });

    expect(run.exitCode).toBe(0);
    expect(run.boards.map((b) => b.result)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // Addresses are reserved in target order, before the write: board i gets the i-th address.
    const given = run.boards.map((b) => b.pool!.mac);
    expect(given).toEqual(MACS);
    run.boards.forEach((b, i) => {
      expect(b.uid).toBe(emulatedUid(i + 1));
      const fuses = decodeOtpStructure(boards[i]!.fuseStructure());
      const mac = macToWords(b.pool!.mac, 'STM32MP15');
      expect(fuses.words[57]!.value).toBe(mac[57]);
      expect(fuses.words[58]!.value).toBe(mac[58]);
      expect(fuses.words[70]!.value).toBe(0x1234);
      expect(fuses.words[70]!.status & STATUS.PERMANENT_LOCK).toBe(STATUS.PERMANENT_LOCK);
      expect(fuses.words[57]!.status & STATUS.PERMANENT_LOCK).toBe(0);
    });

    const state = JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8'));
    expect(state.start).toBe('02:00:00:00:00:10');
    expect(state.addresses.map((a: { mac: string; uid: string; state: string }) => [a.mac, a.uid, a.state]).sort()).toEqual(
      run.boards.map((b) => [b.pool!.mac, b.uid, 'burnt']).sort(),
    );

    const audit = readFileSync(join(dir, 'provision-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit).toHaveLength(4);
    for (const line of audit) {
      const board = run.boards.find((b) => b.port === line.port)!;
      expect(line).toMatchObject({ operation: 'provision', uid: board.uid, soc: 'STM32MP15', result: 'ok', pool: { mac: board.pool!.mac, state: 'burnt' } });
      expect(line.words.map((w: { id: number }) => w.id)).toEqual([57, 58, 70]);
      const w70 = line.words.find((w: { id: number }) => w.id === 70);
      expect(w70.before).toEqual({ value: 0, status: 0 });
      expect(w70.after.value).toBe(0x1234);
      expect(line.timings.totalMs).toBeGreaterThanOrEqual(line.timings.writeMs);
      expect(line.timings.readMs).toBeGreaterThanOrEqual(0);
      expect(line.values.find((v: { source: string }) => v.source === 'macPool').mac).toBe(board.pool!.mac);
    }
    // Every board was reserved before it was written.
    for (const b of run.boards) {
      const reserved = events.findIndex((e) => e.type === 'reserved' && e.port === b.port);
      const writing = events.findIndex((e) => e.type === 'stage' && e.port === b.port && e.stage === 'writing');
      expect(reserved).toBeGreaterThan(-1);
      expect(reserved).toBeLessThan(writing);
    }

    // The same plan again, on the same boards: nothing to do, no Download, same addresses.
    const again = emulatedTargets(4, {}, (i) => boards[i - 1]!.fuseStructure());
    const rerun = await provision({ plan, targets: again.targets, yes: true });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.boards.map((b) => b.result)).toEqual(['nothing-to-do', 'nothing-to-do', 'nothing-to-do', 'nothing-to-do']);
    expect(rerun.boards.map((b) => b.pool!.mac)).toEqual(given);
    expect(again.boards.map(downloadsIn)).toEqual([0, 0, 0, 0]);
    expect(JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8')).addresses).toHaveLength(4);
  });

  it('fails only the board with a NACK storm and the one that ABORTs at Start; the others are burnt', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    // Commands per board: Get ID (1), 4 × Read Partition (2-5); then writeOtp: 4 × Read Partition
    // (6-9), 4 × Download (10-13), Start 0xF2 (14), 4 × Read Partition (15-18).
    const storm = Array.from({ length: 16 }, (_, k) => `nack-cmd:${10 + k}`).join(',');
    const { targets, boards } = emulatedTargets(4, { 2: storm, 3: 'abort-cmd:14' });
    const run = await provision({ plan, targets, yes: true });

    expect(run.boards.map((b) => b.result)).toEqual(['ok', 'failed', 'failed', 'ok']);
    expect(run.boards[1]!.error).toMatchObject({ code: 'NACK', exitCode: 1 });
    expect(run.boards[2]!.error).toMatchObject({ code: 'OTP_WRITE_ABORTED', exitCode: 1 });
    expect(run.exitCode).toBe(1);
    for (const i of [0, 3]) expect(decodeOtpStructure(boards[i]!.fuseStructure()).words[70]!.value).toBe(0x1234);
    expect(decodeOtpStructure(boards[2]!.fuseStructure()).words[70]!.value).toBe(0);
    expect(boards[2]!.log.filter((e) => e.kind === 'command' && e.result === 'abort').map((e) => e.code)).toEqual([0x21]);
    expect(downloadsIn(boards[2]!)).toBe(4);
    expect(boards[1]!.log.filter((e) => e.kind === 'command' && e.result === 'nack').length).toBeGreaterThanOrEqual(4);

    // Failed boards keep their reserved address (bound to their UID), marked failed.
    const state = JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8'));
    const byUid = Object.fromEntries(state.addresses.map((a: { uid: string; state: string }) => [a.uid, a.state]));
    expect(byUid).toEqual({ [emulatedUid(1)]: 'burnt', [emulatedUid(2)]: 'failed', [emulatedUid(3)]: 'failed', [emulatedUid(4)]: 'burnt' });
    const audit = readFileSync(join(dir, 'provision-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const aborted = audit.find((l) => l.port === 'emulator:3');
    expect(aborted).toMatchObject({ result: 'failed', error: { code: 'OTP_WRITE_ABORTED' } });
    // The ABORT left the board readable: its words after the failed write are recorded.
    expect(aborted.words.find((w: { id: number }) => w.id === 70).after).toEqual({ value: 0, status: 0 });
  });
});
