import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Bsec } from '../../src/emulator/bsec.js';
import { loadDefaultFuses } from '../../src/emulator/board.js';
import { address, downloadAddress, downloadData, hex, RawHost } from './raw.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DK2 = readFileSync(new URL('../fixtures/stm32mp157c-dk2-otp.bin', import.meta.url));
const REQ = 0x80000000;
const PERM = 0x40000000;
const STICKY_ALL = 0x38000000;

function request(words: [word: number, value: number, status?: number][], version = 2): Buffer {
  const b = Buffer.alloc(776);
  b.writeUInt32LE(version, 0);
  for (const [w, v, s] of words) {
    b.writeUInt32LE(v >>> 0, 8 + 8 * w);
    b.writeUInt32LE((s ?? REQ) >>> 0, 12 + 8 * w);
  }
  return b;
}

function word(bsec: Bsec, id: number): { value: number; status: number } {
  return bsec.readWord(id);
}

describe('BSEC fuse model', () => {
  it('reads back the DK2 fuse file exactly, sticky status bits included', () => {
    expect(new Bsec('STM32MP15', DK2).readStructure().equals(DK2)).toBe(true);
    expect(loadDefaultFuses('STM32MP15').equals(DK2)).toBe(true);
  });

  it('only ORs bits in: a 1→0 request leaves the 1, new bits are added', () => {
    const b = new Bsec('STM32MP15', DK2);
    expect(b.program(request([[10, 0x0000000f]]), 'optee').ok).toBe(true);
    expect(b.program(request([[10, 0x000000f0]]), 'optee').ok).toBe(true);
    expect(word(b, 10).value).toBe(0xff);
  });

  it('refuses a non-zero value on a permanently locked word, but takes a lock-only request there', () => {
    const b = new Bsec('STM32MP15', DK2);
    const r = b.program(request([[7, 0x1]]), 'optee');
    expect(r).toMatchObject({ ok: false, word: 7 });
    expect(b.program(request([[7, 0, REQ | PERM]]), 'optee').ok).toBe(true);
    expect(word(b, 7)).toEqual({ value: 0xdeadbeef, status: PERM });
  });

  it('applies only the permanent lock on the OP-TEE path, every lock on the SP_MIN path', () => {
    const optee = new Bsec('STM32MP15', DK2);
    optee.program(request([[10, 0x1, REQ | PERM | STICKY_ALL]]), 'optee');
    expect(word(optee, 10).status).toBe(PERM);
    const spmin = new Bsec('STM32MP15', DK2);
    spmin.program(request([[10, 0x1, REQ | PERM | STICKY_ALL]]), 'sp-min');
    expect(word(spmin, 10).status).toBe((PERM | STICKY_ALL) >>> 0);
  });

  it('refuses programming under a sticky programming lock until the board resets', () => {
    const b = new Bsec('STM32MP15', DK2);
    expect(b.program(request([[11, 0x1, REQ | 0x08000000]]), 'sp-min').ok).toBe(true);
    expect(b.program(request([[11, 0x2]]), 'sp-min')).toMatchObject({ ok: false, word: 11 });
    b.reset();
    expect(word(b, 11).status).toBe(0);
    expect(b.program(request([[11, 0x2]]), 'sp-min').ok).toBe(true);
    expect(word(b, 11).value).toBe(0x3);
  });

  it('keeps the boot firmware\'s sticky locks of the fuse file across a reset', () => {
    const b = new Bsec('STM32MP15', DK2);
    b.reset();
    expect(word(b, 0).status).toBe(0x30000000);
    expect(word(b, 18).status).toBe(0x30000000);
  });

  it('programs an upper (ECC) word once; a second programming fails', () => {
    const b = new Bsec('STM32MP15', DK2);
    expect(b.program(request([[60, 0x1234]]), 'optee').ok).toBe(true);
    expect(b.program(request([[60, 0x1234]]), 'optee')).toMatchObject({ ok: false, word: 60 });
    expect(b.program(request([[58, 0x10000]]), 'optee')).toMatchObject({ ok: false, word: 58 });
  });

  it('processes words in order and stops at the first failure, the words before staying programmed', () => {
    const b = new Bsec('STM32MP15', DK2);
    const r = b.program(request([[5, 0x5], [7, 0x7], [9, 0x9]]), 'optee');
    expect(r).toEqual({ ok: false, programmed: [5], word: 7, reason: 'OTP 7 is permanently locked' });
    expect(word(b, 5).value).toBe(5);
    expect(word(b, 9).value).toBe(0);
  });

  it('ignores words without the update-request bit, and the global state word', () => {
    const b = new Bsec('STM32MP15', DK2);
    const req = request([[5, 0x5, 0]]);
    req.writeUInt32LE(1, 4);
    expect(b.program(req, 'optee')).toEqual({ ok: true, programmed: [] });
    expect(b.readStructure().equals(DK2)).toBe(true);
  });

  it('refuses a request whose version is not 2, programming nothing', () => {
    const b = new Bsec('STM32MP15', DK2);
    expect(b.program(request([[5, 0x5]], 1), 'optee').ok).toBe(false);
    expect(word(b, 5).value).toBe(0);
  });

  it('keeps a read-error word of the fuse file: value 0, status bit 0 only, never bit 31', () => {
    const fuses = Buffer.from(DK2);
    fuses.writeUInt32LE(0x1234, 8 + 8 * 3);
    fuses.writeUInt32LE(0x80000001, 12 + 8 * 3);
    const b = new Bsec('STM32MP15', fuses);
    expect(word(b, 3)).toEqual({ value: 0, status: 1 });
    expect(b.readStructure().readUInt32LE(12 + 8 * 3) & 0x80000000).toBe(0);
  });

  it('refuses a fuse file of the wrong size or version', () => {
    expect(() => new Bsec('STM32MP15', DK2.subarray(0, 700))).toThrow(/776/);
    const v1 = Buffer.from(DK2);
    v1.writeUInt32LE(1, 0);
    expect(() => new Bsec('STM32MP15', v1)).toThrow(/version 1/);
  });

  it('clears sticky locks set over the protocol (SP_MIN board, raw bytes) when the board resets', async () => {
    const h = new RawHost({ firmware: 'sp-min' });
    const req = request([[22, 0, REQ | 0x20000000]]);
    for (let p = 0; p < 4; p++) {
      await h.exchange('31 ce');
      await h.exchange(downloadAddress(0xf2, p));
      expect(hex(await h.exchange(downloadData(req.subarray(p * 256, p * 256 + 256))))).toBe('79');
    }
    await h.exchange('21 de');
    expect(hex(await h.exchange(address(0xf2)))).toBe('79');
    expect(h.board.fuseStructure().readUInt32LE(12 + 8 * 22)).toBe((PERM | 0x20000000) >>> 0);
    expect(h.board.savedFuses().readUInt32LE(12 + 8 * 22)).toBe(PERM);
    h.board.reset();
    expect(h.board.fuseStructure().readUInt32LE(12 + 8 * 22)).toBe(PERM);
  });

  it('saves values and permanent locks but not the sticky locks set over the protocol', () => {
    const b = new Bsec('STM32MP15', DK2);
    expect(b.program(request([[77, 0, REQ | 0x08000000], [10, 0x5, REQ | PERM]]), 'sp-min').ok).toBe(true);
    // What a Read Partition shows now: the sticky lock is there until the board resets.
    expect(b.readStructure().readUInt32LE(12 + 8 * 77)).toBe(0x08000000);
    const saved = b.savedStructure();
    expect(saved.readUInt32LE(12 + 8 * 77)).toBe(0);
    expect(saved.readUInt32LE(8 + 8 * 10)).toBe(0x5);
    expect(saved.readUInt32LE(12 + 8 * 10)).toBe(PERM);
    // The boot firmware's sticky bits of the loaded file (DK2 words 0 and 18) stay in the saved file.
    expect(saved.readUInt32LE(12 + 8 * 0)).toBe(0x30000000);
    expect(saved.readUInt32LE(12 + 8 * 18)).toBe(0x30000000);
    const next = new Bsec('STM32MP15', saved);
    expect(next.program(request([[77, 0x1]]), 'sp-min')).toEqual({ ok: true, programmed: [77] });
  });

  it('--save-fuses after a sticky lock: the next session can still program that word', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'save-fuses-'));
    const fuses = path.join(dir, 'fuses.bin');
    const env = { ...process.env };
    delete env.STM32MP_PORT;
    const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/stm32mp-uart.js', ...args], { cwd: ROOT, encoding: 'utf8', env });
    try {
      const lock = cli('otp', 'lock', 'word=77', '--sticky', 'prog', '--yes', '--firmware', 'sp-min', '--save-fuses', fuses);
      expect(lock.status, lock.stderr).toBe(0);
      expect(readFileSync(fuses).readUInt32LE(12 + 8 * 77)).toBe(0);
      const write = cli('otp', 'write', 'word=77', 'value=1', '--fuses', fuses, '--firmware', 'sp-min', '--yes');
      expect(write.status, write.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates a plausible MP13 fuse set: version 2, open CFG0, part number 135F', () => {
    const b = new Bsec('STM32MP13', loadDefaultFuses('STM32MP13'));
    const s = b.readStructure();
    expect(s.readUInt32LE(0)).toBe(2);
    expect(word(b, 0).value).toBe(0x17);
    expect(word(b, 1).value).toBe(0x800);
  });
});
