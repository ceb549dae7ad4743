import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmulatedBoard } from '../../src/emulator/board.js';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import { Link } from '../../src/link/link.js';
import { readOtp } from '../../src/operations/otp-read.js';
import { writeOtp } from '../../src/operations/otp-write.js';
import { decodeOtpStructure } from '../../src/otp/structure.js';
import { STATUS } from '../../src/otp/status.js';

const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));

async function connect(faults = '', firmware: 'optee' | 'sp-min' = 'optee'): Promise<{ board: EmulatedBoard; link: Link }> {
  const board = new EmulatedBoard({ soc: 'STM32MP15', fuses: DK2, firmware, ...(faults ? { faults: parseFaultPlan(faults) } : {}) });
  const transport = board.connect();
  await transport.open();
  const link = new Link(transport, { syncTimeoutMs: 2000 });
  await link.sync();
  return { board, link };
}

/** Host → device Download frames, found in the raw bytes the board received (0x31 + complement). */
function downloadsIn(board: EmulatedBoard): number {
  return board.log.filter((e) => e.kind === 'command' && e.code === 0x31).length;
}

describe('OTP read over the link', () => {
  it('reads back exactly the fuse file the emulated board was loaded from', async () => {
    const { board, link } = await connect();
    const r = await readOtp(link);
    expect(r.soc).toBe('STM32MP15');
    expect(r.bytes.equals(DK2)).toBe(true);
    // offsets 0, 256, 512, 768: the last chunk is 8 bytes (an5275-uart.md worked example)
    const reads = board.log.filter((e) => e.code === 0x12).map((e) => [e.offset, e.length]);
    expect(reads).toEqual([[0, 256], [256, 256], [512, 256], [768, 8]]);
    board.close();
  });
});

describe('OTP read through link faults', () => {
  it('survives junk before the ACK of a Read Partition without mistaking the re-sync for an address', async () => {
    // Five re-sync 0x7F bytes form a valid Read Partition address (their XOR is 0x7F): the confirming
    // 0x7F of the re-sync must catch it, or the read ends as a bogus ABORT ("closed device?").
    const { board, link } = await connect('junk:2');
    expect((await readOtp(link)).bytes.equals(DK2)).toBe(true);
    board.close();
  });
});

describe('OTP write path', () => {
  it('programs a word, then reads back and verifies it', async () => {
    const { board, link } = await connect();
    const r = await writeOtp(link, { edits: [{ op: 'write', word: 70, value: 0x00001234, lock: true }], yes: true });
    expect(r.outcome).toBe('written');
    expect(r.checks).toEqual([expect.objectContaining({ id: 70, ok: true, foundValue: 0x1234 })]);
    const fuses = decodeOtpStructure(board.fuseStructure());
    expect(fuses.words[70]!.value).toBe(0x1234);
    expect(fuses.words[70]!.status & STATUS.PERMANENT_LOCK).toBe(STATUS.PERMANENT_LOCK);
    board.close();
  });

  it('refuses a 1→0 write and a locked word before any Download is sent', async () => {
    const { board, link } = await connect();
    await expect(writeOtp(link, { edits: [{ op: 'write', word: 7, value: 0x1 }], yes: true })).rejects.toMatchObject({ code: 'OTP_REFUSED', exitCode: 2 });
    expect(downloadsIn(board)).toBe(0);
    expect(board.received.includes(Buffer.from([0x31, 0xce]))).toBe(false);
    board.close();
  });

  it('refuses to close the device without force, and sends nothing', async () => {
    const { board, link } = await connect();
    await expect(writeOtp(link, { edits: [{ op: 'write', word: 0, value: 0x57 }], yes: true })).rejects.toMatchObject({ code: 'BRICK_RISK', exitCode: 4 });
    expect(downloadsIn(board)).toBe(0);
    board.close();
  });

  it('refuses without a confirmation callback or --yes, and sends nothing', async () => {
    const { board, link } = await connect();
    await expect(writeOtp(link, { edits: [{ op: 'write', word: 70, value: 1 }] })).rejects.toMatchObject({ code: 'NO_CONFIRMATION', exitCode: 4 });
    await expect(writeOtp(link, { edits: [{ op: 'write', word: 70, value: 1 }], confirm: async () => false })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(downloadsIn(board)).toBe(0);
    board.close();
  });

  it('sends no Download on a dry run', async () => {
    const { board, link } = await connect();
    const r = await writeOtp(link, { edits: [{ op: 'write', word: 70, value: 1 }], dryRun: true });
    expect(r.outcome).toBe('dry-run');
    expect(downloadsIn(board)).toBe(0);
    board.close();
  });

  it('re-sends a Download packet with the same number after a dropped byte makes the board NACK it', async () => {
    // Count the host's bytes up to the first Download packet's data: sync (1) + 4 Read Partition
    // (2 + 6 + 2 each = 40), then Download command (2) + address (5) + N-1 (1) → byte 50 is data.
    const { board, link } = await connect('drop-rx:60');
    const r = await writeOtp(link, { edits: [{ op: 'write', word: 70, value: 0x10 }], yes: true });
    expect(r.outcome).toBe('written');
    const packets = board.log.filter((e) => e.code === 0x31).map((e) => [e.packet, e.result]);
    expect(packets[0]).toEqual([0, 'nack']);
    expect(packets[1]).toEqual([0, 'ack']);
    expect(packets.slice(-1)[0]).toEqual([3, 'ack']);
    board.close();
  });

  it('rewrites the request from packet 0 when a lost byte left a shifted packet on the board', async () => {
    // Host byte 549 is word 60's value byte 0x7F in packet 1 (sync 1 + Get ID 2 + 4 reads 40 +
    // packet 0 265 + Download command, address and N-1 8 = 316; word 60 sits at offset 232).
    // U-Boot waits for one more byte; the re-sync 0x7F completes the packet with a matching
    // checksum, so the board ACKs a packet shifted by one byte: it must never reach Start.
    const { board, link } = await connect('drop-rx:549');
    const r = await writeOtp(link, { edits: [{ op: 'write', word: 60, value: 0x7f }, { op: 'write', word: 61, value: 0x40 }], yes: true });
    expect(r.outcome).toBe('written');
    const after = decodeOtpStructure(board.fuseStructure());
    const before = decodeOtpStructure(DK2);
    for (const w of after.words) {
      if (w.id === 60 || w.id === 61) continue;
      expect([w.id, w.value, w.status]).toEqual([w.id, before.words[w.id]!.value, before.words[w.id]!.status]);
    }
    expect([after.words[60]!.value, after.words[61]!.value]).toEqual([0x7f, 0x40]);
    board.close();
  });

  it('reports which words were written when Start 0xF2 aborts on a word the device refuses', async () => {
    // Sticky programming lock on word 71 is applied by SP_MIN firmware; a later write to it then
    // fails on the device. The host cannot see sticky locks of other sessions... so inject ABORT.
    const { board, link } = await connect();
    // commands: 4 reads, 4 downloads, then Start is the 9th command.
    const faulty = await connect('abort-cmd:9');
    await expect(writeOtp(faulty.link, { edits: [{ op: 'write', word: 70, value: 0x10 }], yes: true })).rejects.toMatchObject({
      code: 'OTP_WRITE_ABORTED',
      exitCode: 1,
      details: { written: [], notWritten: [70] },
    });
    faulty.board.close();
    board.close();
  });

  it('fails verification (exit 3) when the board acknowledges but programs nothing', async () => {
    const { board, link } = await connect('otp-no-program');
    await expect(writeOtp(link, { edits: [{ op: 'write', word: 70, value: 0x10 }], yes: true })).rejects.toMatchObject({ code: 'VERIFY_FAILED', exitCode: 3 });
    board.close();
  });

  it('does nothing when the value and locks are already on the board', async () => {
    const { board, link } = await connect();
    const r = await writeOtp(link, { edits: [{ op: 'write', word: 59, value: 0x12722301, lock: true }], yes: true });
    expect(r.outcome).toBe('nothing-to-do');
    expect(downloadsIn(board)).toBe(0);
    board.close();
  });
});
