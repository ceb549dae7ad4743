import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProvisionPlan, parseProvisionPlan, planSchemaPath } from '../../src/operations/provision/plan.js';
import { resolveBoardEdits } from '../../src/operations/provision/resolve.js';
import { parseCsv, parseU32 } from '../../src/operations/provision/value-sources.js';
import { SchemaChecker } from '../../src/operations/provision/schema-check.js';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { emulatedBoardFuses } from '../../src/operations/provision/emulated-fuses.js';
import { SMALLEST_PLAN, emulatedUid, tempDir, writePlan } from './helpers.js';

async function planError(plan: unknown, dir = tempDir()): Promise<{ code: string; path: string; message: string }> {
  try {
    await loadProvisionPlan(writePlan(dir, plan));
  } catch (err) {
    const e = err as { code: string; message: string; details: { path: string } };
    return { code: e.code, path: e.details.path, message: e.message };
  }
  throw new Error('the plan was accepted');
}

describe('the provisioning plan', () => {
  it('accepts the smallest plan of the issue exactly as written, with the pool state next to the plan', async () => {
    const dir = tempDir();
    const plan = await loadProvisionPlan(writePlan(dir));
    expect(plan.macPool).toEqual({ start: '02:00:00:00:00:10', count: 100, statePath: join(dir, 'mac-pool.json') });
    expect(plan.edits).toEqual([
      { index: 0, op: 'write', words: [57, 58], lock: false, source: { kind: 'macPool' } },
      { index: 1, op: 'write', words: [70], lock: true, source: { kind: 'literal', value: 0x1234 } },
    ]);
  });

  it('ships a draft 2020-12 schema that names every op', () => {
    const schema = JSON.parse(readFileSync(planSchemaPath(), 'utf8'));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.stringify(schema.$defs)).toContain('write-lock');
    for (const op of ['fwrite', 'lock', 'sticky']) expect(JSON.stringify(schema.$defs)).toContain(`"const":"${op}"`);
  });

  it('rejects bad plans with PLAN_INVALID and the JSON path of the fault', async () => {
    expect(await planError({ ...SMALLEST_PLAN, version: 2 })).toMatchObject({ code: 'PLAN_INVALID', path: '$.version' });
    expect(await planError({ version: 1 })).toMatchObject({ code: 'PLAN_INVALID', path: '$', message: expect.stringContaining('"edits" is missing') });
    expect(await planError({ version: 1, edits: [{ op: 'write-lock', word: 70, value: '0xZZ' }] })).toMatchObject({ path: '$.edits[0].value', message: expect.stringContaining('unsigned 32-bit') });
    expect(await planError({ version: 1, edits: [{ op: 'write', word: 96, value: 1 }] })).toMatchObject({ path: '$.edits[0].word', message: expect.stringContaining('≤ 95') });
    expect(await planError({ version: 1, edits: [{ op: 'write', word: 5, value: 1, colour: 'red' }] })).toMatchObject({ path: '$.edits[0].colour' });
    expect(await planError({ ...SMALLEST_PLAN, macPool: { ...SMALLEST_PLAN.macPool, start: '02:00:00:00:10' } })).toMatchObject({ path: '$.macPool.start' });
    expect(await planError({ version: 1, edits: [{ op: 'write', words: [57, 58], from: 'macPool' }] })).toMatchObject({ path: '$.edits[0].from', message: expect.stringContaining('"macPool"') });
    expect(await planError({ version: 1, edits: [{ op: 'write', word: 70, value: 1 }, { op: 'lock', words: [69, 70] }] })).toMatchObject({ path: '$.edits[1]', message: expect.stringContaining('word 70 is already edited by $.edits[0]') });
    expect(await planError({ version: 1, edits: [{ op: 'burn', word: 70 }] })).toMatchObject({
      path: '$.edits[0].op',
      message: expect.stringContaining('must be one of "write", "write-lock", "fwrite", "lock", "sticky", not "burn"'),
    });
    expect(await planError({ version: 1, edits: [{ op: 'write', word: 70 }] })).toMatchObject({ path: '$.edits[0]', message: expect.stringContaining('"value" is missing') });
  });

  it('refuses a pool edit on words that hold no MAC, and a pool state in a folder that does not exist', async () => {
    expect(await planError({ ...SMALLEST_PLAN, edits: [{ op: 'write', words: [59, 60], from: 'macPool' }] })).toMatchObject({ code: 'PLAN_INVALID', path: '$.edits[0].words' });
    expect(await planError({ ...SMALLEST_PLAN, edits: [{ op: 'write', words: [58, 57], from: 'macPool' }] })).toMatchObject({ code: 'PLAN_INVALID', path: '$.edits[0].words' });
    // MAC1 of an STM32MP13 (words 58-59) is a MAC too.
    await expect(parseProvisionPlan({ ...SMALLEST_PLAN, edits: [{ op: 'write', words: [58, 59], from: 'macPool' }] }, { baseDir: tempDir() })).resolves.toBeDefined();
    expect(await planError({ ...SMALLEST_PLAN, macPool: { ...SMALLEST_PLAN.macPool, state: 'pool/mac-pool.json' } })).toMatchObject({ code: 'FILE', message: expect.stringContaining('pool') });
  });

  it('refuses in the shipped schema, as in the code, a decimal value above 32 bits', () => {
    const checker = new SchemaChecker(JSON.parse(readFileSync(planSchemaPath(), 'utf8')));
    const plan = (value: unknown): unknown => ({ version: 1, edits: [{ op: 'write', word: 70, value }] });
    for (const bad of ['4294967296', '9999999999', '0x100000000', 4294967296]) {
      expect(checker.check(plan(bad)), String(bad)).not.toEqual([]);
      expect(parseU32(bad)).toBeNull();
    }
    for (const good of ['4294967295', '0', '000004294967295', '0x00000000FFFFFFFF', ' 42 ', '0b1', 4294967295]) {
      expect(checker.check(plan(good)), String(good)).toEqual([]);
      expect(parseU32(good)).not.toBeNull();
    }
  });

  it('reads values from a CSV keyed by board UID and from a binary file, relative to the plan', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'boards.csv'), `uid,boardId,note\n${emulatedUid(1)},0x12722301,"first, board"\r\n${emulatedUid(2).toUpperCase()},305402625,\n`);
    writeFileSync(join(dir, 'key.bin'), Buffer.from('0102030405060708', 'hex'));
    const plan = await loadProvisionPlan(
      writePlan(dir, {
        version: 1,
        edits: [
          { op: 'write-lock', word: 60, from: { csv: 'boards.csv', column: 'boardId' } },
          { op: 'fwrite', word: 24, from: { file: 'key.bin' }, lock: true },
          { op: 'sticky', word: 30, locks: ['prog'] },
          { op: 'lock', words: [31] },
        ],
      }),
    );
    const current = decodeOtpStructure(emulatedBoardFuses(2));
    const board = resolveBoardEdits(plan, { soc: 'STM32MP15', uid: emulatedUid(2), current });
    expect(board.edits).toEqual([
      { op: 'write', word: 60, value: 305402625, lock: true },
      { op: 'fwrite', word: 24, data: Buffer.from('0102030405060708', 'hex'), lock: true },
      { op: 'sticky', word: 30, locks: ['prog'] },
      { op: 'lock', word: 31 },
    ]);
    expect(board.values[0]).toMatchObject({ source: 'csv', csvLine: 3, values: { 60: 305402625 } });
    expect(board.values[1]).toMatchObject({ source: 'file', values: { 24: 0x04030201, 25: 0x08070605 } });
    expect(() => resolveBoardEdits(plan, { soc: 'STM32MP15', uid: emulatedUid(3), current })).toThrow(expect.objectContaining({ code: 'PLAN_VALUE_MISSING' }));
  });

  it('rejects a CSV without the column, with a bad UID, or with a bad value before any board is opened', async () => {
    const dir = tempDir();
    const plan = { version: 1, edits: [{ op: 'write', word: 60, from: { csv: 'b.csv', column: 'boardId' } }] };
    writeFileSync(join(dir, 'b.csv'), 'uid,other\n');
    expect(await planError(plan, dir)).toMatchObject({ code: 'PLAN_INVALID', message: expect.stringContaining('no column "boardId"') });
    writeFileSync(join(dir, 'b.csv'), 'uid,boardId\nnot-a-uid,1\n');
    expect(await planError(plan, dir)).toMatchObject({ message: expect.stringContaining('b.csv:2') });
    writeFileSync(join(dir, 'b.csv'), `uid,boardId\n${emulatedUid(1)},0x1FFFFFFFF\n`);
    expect(await planError(plan, dir)).toMatchObject({ message: expect.stringContaining('not a 32-bit value') });
  });

  it('puts the pool address into words 57-58 little-endian, as the spec lays out a MAC', async () => {
    const plan = await parseProvisionPlan(SMALLEST_PLAN, { baseDir: tempDir() });
    const current = decodeOtpStructure(emulatedBoardFuses(1));
    const { edits } = resolveBoardEdits(plan, { soc: 'STM32MP15', uid: emulatedUid(1), current, mac: '00:80:e1:42:48:e4' });
    // DK2 fixture: 00:80:e1:42:48:e4 is w57 0x42E18000, w58 0x0000E448 (otp-structure.md)
    expect(edits.slice(0, 2)).toEqual([
      { op: 'write', word: 57, value: 0x42e18000, lock: false },
      { op: 'write', word: 58, value: 0x0000e448, lock: false },
    ]);
  });

  it('parses quoted CSV fields and CRLF line ends', () => {
    expect(parseCsv('a,b\r\n"x, ""y""",2\n\n3,4').map((r) => r.cells)).toEqual([['a', 'b'], ['x, "y"', '2'], ['3', '4']]);
  });
});
