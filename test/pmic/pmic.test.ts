import { describe, expect, it } from 'vitest';
import { EmulatedBoard } from '../../src/emulator/board.js';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import { Link } from '../../src/link/link.js';
import { planPmicWrite, readPmicNvm, writePmicNvm } from '../../src/operations/pmic.js';

const DEFAULT_NVM = 'ee92c002f2800233';
const NEW_NVM = Buffer.from('ee92c002f2800234', 'hex');

async function connect(faults = ''): Promise<{ board: EmulatedBoard; link: Link }> {
  const board = new EmulatedBoard({ ...(faults ? { faults: parseFaultPlan(faults) } : {}) });
  const transport = board.connect();
  await transport.open();
  const link = new Link(transport, { syncTimeoutMs: 2000 });
  await link.sync();
  return { board, link };
}

const commands = (board: EmulatedBoard): [number, unknown, unknown][] =>
  board.log.filter((e) => e.kind === 'command').map((e) => [e.code!, e.partition ?? e.op ?? e.address, e.result]);

describe('PMIC NVM (partition 0xF4)', () => {
  it('reads the 8 bytes the emulated board holds with Read Partition 0xF4', async () => {
    const { board, link } = await connect();
    expect((await readPmicNvm(link)).toString('hex')).toBe(DEFAULT_NVM);
    expect(board.log.filter((e) => e.code === 0x12).map((e) => [e.partition, e.offset, e.length])).toEqual([[0xf4, 0, 8]]);
    board.close();
  });

  it('diffs byte by byte', () => {
    const plan = planPmicWrite(Buffer.from(DEFAULT_NVM, 'hex'), NEW_NVM);
    expect(plan.changes).toEqual([{ offset: 7, from: 0x33, to: 0x34 }]);
  });

  it('writes with Download 0xF4 + Start 0xF4, then reads back and verifies; the board keeps the bytes', async () => {
    const { board, link } = await connect();
    const shown: number[] = [];
    const r = await writePmicNvm(link, NEW_NVM, { yes: true, onPlan: (p) => shown.push(p.changes.length) });
    expect(r.outcome).toBe('written');
    expect(shown).toEqual([1]);
    expect(r.after!.equals(NEW_NVM)).toBe(true);
    expect(board.pmicNvm.equals(NEW_NVM)).toBe(true);
    // read, download packet 0 of 8 bytes to 0xF4, Start 0xF4, read back
    const ops = board.log.filter((e) => e.kind === 'command').map((e) => [e.code, e.code === 0x21 ? e.address : e.code === 0x31 ? e.op : e.partition]);
    expect(ops).toEqual([[0x12, 0xf4], [0x31, 0xf4], [0x21, 0xf4], [0x12, 0xf4]]);
    expect(board.log.find((e) => e.code === 0x31)).toMatchObject({ packet: 0, length: 8, result: 'ack' });
    board.close();
  });

  it('sends nothing on a dry run, without confirmation, when declined, or when the NVM already holds the image', async () => {
    const { board, link } = await connect();
    expect((await writePmicNvm(link, NEW_NVM, { dryRun: true })).outcome).toBe('dry-run');
    await expect(writePmicNvm(link, NEW_NVM)).rejects.toMatchObject({ code: 'NO_CONFIRMATION', exitCode: 4 });
    await expect(writePmicNvm(link, NEW_NVM, { confirm: async () => false })).rejects.toMatchObject({ code: 'CANCELLED', exitCode: 4 });
    expect((await writePmicNvm(link, Buffer.from(DEFAULT_NVM, 'hex'), { yes: true })).outcome).toBe('nothing-to-do');
    expect(commands(board).filter(([code]) => code === 0x31 || code === 0x21)).toEqual([]);
    expect(board.pmicNvm.toString('hex')).toBe(DEFAULT_NVM);
    board.close();
  });

  it('refuses an image that is not exactly 8 bytes before talking to the board', async () => {
    const { board, link } = await connect();
    await expect(writePmicNvm(link, Buffer.alloc(7), { yes: true })).rejects.toMatchObject({ code: 'PMIC_SIZE', exitCode: 2 });
    expect(commands(board)).toEqual([]);
    board.close();
  });

  it('reports a read-back that differs as a verification failure (exit 3)', async () => {
    // A board whose Start 0xF4 programs nothing: the read-back still holds the old bytes.
    const current = Buffer.from(DEFAULT_NVM, 'hex');
    const link = {
      readPartition: async () => Buffer.from(current),
      download: async () => {},
      start: async () => {},
    } as unknown as Link;
    await expect(writePmicNvm(link, NEW_NVM, { yes: true })).rejects.toMatchObject({
      code: 'VERIFY_FAILED',
      exitCode: 3,
      details: { expected: NEW_NVM.toString('hex'), found: DEFAULT_NVM, offsets: [7] },
    });
  });

  it('fails with the link error when the board aborts Start 0xF4', async () => {
    // Commands: Read Partition (1), Download (2), Start (3).
    const { board, link } = await connect('abort-cmd:3');
    await expect(writePmicNvm(link, NEW_NVM, { yes: true })).rejects.toMatchObject({ code: 'ABORT', exitCode: 1 });
    expect(board.pmicNvm.toString('hex')).toBe(DEFAULT_NVM);
    board.close();
  });
});
