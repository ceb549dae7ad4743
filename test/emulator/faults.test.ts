import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFaultPlan } from '../../src/emulator/faults.js';
import { address, downloadAddress, downloadData, hex, partitionAddress, RawHost, TimerCountingClock } from './raw.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function uboot(faults: string, options: ConstructorParameters<typeof RawHost>[0] = {}, clock?: TimerCountingClock): RawHost {
  const h = new RawHost({ ...options, faults: parseFaultPlan(faults) }, true, clock);
  return h;
}

/** A one-word write request (word 10 = 0x0ABCDEF0), as four packets. */
function request(): Buffer {
  const b = Buffer.alloc(776);
  b.writeUInt32LE(2, 0);
  b.writeUInt32LE(0x0abcdef0, 8 + 80);
  b.writeUInt32LE(0x80000000, 12 + 80);
  return b;
}

async function writeOtp(h: RawHost): Promise<string> {
  const req = request();
  for (let p = 0; p < 4; p++) {
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0xf2, p));
    expect(hex(await h.exchange(downloadData(req.subarray(p * 256, p * 256 + 256))))).toBe('79');
  }
  await h.exchange('21 de');
  return hex(await h.exchange(address(0xf2)));
}

describe('fault plan syntax', () => {
  it('parses the documented example and every kind', () => {
    expect(parseFaultPlan('nack-cmd:3,drop-rx:120,stall:2:500,otp-no-program')).toEqual([
      { kind: 'nack-cmd', n: 3 },
      { kind: 'drop-rx', n: 120 },
      { kind: 'stall', n: 2, ms: 500 },
      { kind: 'otp-no-program' },
    ]);
    expect(parseFaultPlan('corrupt-tx:4:0x01, junk:1:00ff, boot-log:Hello: world, reset-after:2, otp-flip:10:3, abort-cmd:1, drop-tx:1, corrupt-rx:9')).toEqual([
      { kind: 'corrupt-tx', n: 4, mask: 1 },
      { kind: 'junk', n: 1, bytes: Buffer.from([0x00, 0xff]) },
      { kind: 'boot-log', text: 'Hello: world' },
      { kind: 'reset-after-packet', n: 2 },
      { kind: 'otp-flip', word: 10, bit: 3 },
      { kind: 'abort-cmd', n: 1 },
      { kind: 'drop-tx', n: 1 },
      { kind: 'corrupt-rx', n: 9, mask: 0xff },
    ]);
    expect(parseFaultPlan('silent-stage:tf-a,silent-stage:u-boot')).toEqual([
      { kind: 'silent-stage', stage: 'tf-a' },
      { kind: 'silent-stage', stage: 'u-boot' },
    ]);
  });

  it('refuses unknown kinds, missing numbers and n = 0 with a USAGE error', () => {
    for (const bad of ['explode:1', 'nack-cmd', 'drop-rx:0', 'stall:1', 'junk:1:xyz', 'otp-flip:1:32', 'nack-cmd:1:2', 'silent-stage', 'silent-stage:rom', 'silent-stage:tf-a:1']) {
      expect(() => parseFaultPlan(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
  });
});

describe('faults injected by the emulated board', () => {
  it('drop-rx: after a dropped data byte the checksum is taken as data and U-Boot waits for one more byte, then NACKs', async () => {
    // Bytes the device receives: 31 ce (2) + address (5) + N-1 (1) → byte 10 is the second data byte.
    const h = uboot('drop-rx:10');
    h.take();
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0xf4, 0));
    expect(hex(await h.exchange(downloadData(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])), 1000))).toBe('');
    // The checksum read has no timeout (stm32prog_serial_getc_err): the host's next byte is it.
    expect(hex(await h.exchange([0x7f], 29))).toBe('');
    expect(hex(await h.advance(1))).toBe('1f');
    expect(h.board.received.length).toBe(2 + 5 + 10 + 1);
  });

  it('corrupt-rx: a corrupted data byte fails the checksum: NACK after 30 ms', async () => {
    const h = uboot('corrupt-rx:10');
    h.take();
    await h.exchange('31 ce');
    await h.exchange(downloadAddress(0xf4, 0));
    expect(hex(await h.exchange(downloadData(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])), 30))).toBe('1f');
  });

  it('drop-tx and corrupt-tx alter the bytes the device sends', async () => {
    const h = uboot('drop-tx:3,corrupt-tx:5:0x0f');
    // tx byte 1 is the unsolicited NACK; Get ID answers bytes 2..6.
    expect(hex(h.take())).toBe('1f');
    expect(hex(await h.exchange('02 fd'))).toBe('79 05 0f 79');
  });

  it('nack-cmd: the n-th command (syncs not counted) is NACKed after 3 ms and not run', async () => {
    const h = uboot('nack-cmd:2');
    h.take();
    await h.exchange([0x7f]);
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
    expect(hex(await h.exchange('00 ff'))).toBe('');
    expect(hex(await h.advance(3))).toBe('1f');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
  });

  it('abort-cmd: Start 0xF2 reads its address, answers ABORT and programs nothing', async () => {
    const h = uboot('abort-cmd:5'); // 4 Download packets, then Start
    h.take();
    const before = h.board.fuseStructure();
    expect(await writeOtp(h)).toBe('5f');
    expect(h.board.fuseStructure().equals(before)).toBe(true);
    const get = await h.exchange('02 fd');
    expect(hex(get)).toBe('79 01 05 00 79');
  });

  it('stall: nothing comes back before the stall has passed', async () => {
    const h = uboot('stall:1:500');
    h.take();
    expect(hex(await h.exchange('02 fd', 499))).toBe('');
    expect(hex(await h.advance(1))).toBe('79 01 05 00 79');
  });

  it('stall: closing the board cancels the stall, leaving no timer armed', async () => {
    const clock = new TimerCountingClock();
    const h = uboot('stall:1:8000', {}, clock);
    h.take();
    expect(hex(await h.exchange('02 fd', 100))).toBe('');
    expect(clock.armedTimers).toBe(1);
    h.board.close();
    expect(clock.armedTimers).toBe(0);
    expect(hex(await h.advance(8000))).toBe('');
  });

  it('stall: a board reset cancels the stall, and the new U-Boot answers at once', async () => {
    const clock = new TimerCountingClock();
    const h = uboot('stall:1:8000', {}, clock);
    h.take();
    await h.exchange('02 fd', 100);
    h.board.reset();
    expect(clock.armedTimers).toBe(0);
    expect(hex(h.take())).toBe('1f');
    expect(hex(await h.exchange('02 fd'))).toBe('79 01 05 00 79');
  });

  it('stall: the CLI exits once it has given up on a stalled board, not when the stall ends', () => {
    // Before the fix the stall kept the process alive after SYNC_FAILED until it ended; spawnSync's
    // own limit (well under the 60 s stall, far above the ~2 s the CLI needs) kills a process that
    // hangs on, and the test then fails on the signal.
    const env = { ...process.env };
    delete env.STM32MP_PORT;
    const r = spawnSync(process.execPath, ['dist/bin/stm32mp-uart.js', 'info', '--faults', 'stall:1:60000', '--timeout', '500', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
      timeout: 30_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'SYNC_FAILED' } });
  });

  it('silent-stage:u-boot: a board started in U-Boot never sends its NACK nor answers a sync, even after a reset', async () => {
    const clock = new TimerCountingClock();
    const h = uboot('silent-stage:u-boot', {}, clock);
    expect(hex(await h.exchange([0x7f], 1000))).toBe('');
    expect(hex(await h.exchange('02 fd', 1000))).toBe('');
    h.board.reset();
    expect(hex(await h.exchange([0x7f], 1000))).toBe('');
    expect(h.board.stage).toBe('u-boot');
    expect(h.board.log.some((e) => e.kind === 'fault' && e.message === 'silent-stage: u-boot hangs')).toBe(true);
    h.board.close();
    expect(clock.armedTimers).toBe(0);
  });

  it('junk: the junk bytes come before the answer', async () => {
    const h = uboot('junk:1:deadbeef');
    h.take();
    expect(hex(await h.exchange('01 fe'))).toBe('de ad be ef 79 03 79');
  });

  it('boot-log: U-Boot prints the text before its unsolicited NACK', async () => {
    const h = uboot('boot-log:hello board');
    expect(h.take().toString('latin1')).toBe('hello board\x1f');
  });

  it('reset-after: the board resets right after ACKing the n-th Download packet', async () => {
    const h = uboot('reset-after:2');
    h.take();
    const req = request();
    for (let p = 0; p < 2; p++) {
      await h.exchange('31 ce');
      await h.exchange(downloadAddress(0xf2, p));
      expect(hex(await h.exchange(downloadData(req.subarray(p * 256, p * 256 + 256))))).toBe('79');
    }
    expect(h.board.log.at(-1)?.kind).toBe('reset');
    expect(hex(await h.advance(20))).toBe('1f');
    // The downloaded structure was in RAM: Start 0xF2 has nothing to program now.
    await h.exchange('21 de');
    expect(hex(await h.exchange(address(0xf2)))).toBe('5f');
  });

  it('otp-no-program: Start 0xF2 answers ACK but the fuses do not change', async () => {
    const h = uboot('otp-no-program');
    h.take();
    const before = h.board.fuseStructure();
    expect(await writeOtp(h)).toBe('79');
    expect(h.board.fuseStructure().equals(before)).toBe(true);
  });

  it('otp-flip: a word reads back over the wire with a bit flipped, the fuses themselves unchanged', async () => {
    const h = uboot('otp-flip:7:0');
    h.take();
    await h.exchange('12 ed');
    await h.exchange(partitionAddress(0xf2, 0));
    const data = (await h.exchange('ff 00')).subarray(1);
    expect(data.readUInt32LE(8 + 8 * 7)).toBe(0xdeadbeee);
    expect(h.board.fuseStructure().readUInt32LE(8 + 8 * 7)).toBe(0xdeadbeef);
  });

  it('logs every fault it injects', async () => {
    const h = uboot('junk:1');
    await h.exchange('01 fe');
    expect(h.board.log.some((e) => e.kind === 'fault' && e.message === 'junk on command 1')).toBe(true);
  });
});
