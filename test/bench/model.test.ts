import { describe, expect, it } from 'vitest';
import { byteMs, countTraffic, efficiency, mandatoryMs, mandatoryTurnarounds, summarize, type CountedStep, type Dir } from '../../bench/model.js';
import { EmulatedBoard } from '../../src/emulator/board.js';
import { Link } from '../../src/link/link.js';
import { readOtp } from '../../src/operations/otp-read.js';
import { ManualClock } from '../../src/util/clock.js';

/** `[dir, n]` pairs → chunks. */
const chunks = (...pairs: [Dir, number][]): { dir: Dir; length: number }[] => pairs.map(([dir, length]) => ({ dir, length }));

/**
 * an5275-uart.md "Worked example: reading the OTP of an STM32MP15": sync, then four Read Partitions
 * of 256, 256, 256 and 8 bytes, lock-step exactly as the spec writes it.
 */
function workedOtpReadAsWritten(): { dir: Dir; length: number }[] {
  const out = chunks(['tx', 1], ['rx', 1]);
  for (const n of [256, 256, 256, 8]) out.push(...chunks(['tx', 2], ['rx', 1], ['tx', 6], ['rx', 1], ['tx', 2], ['rx', 1 + n]));
  return out;
}

/** The same with the length sent right after the address (Read Partition's address ACK does not drain). */
function workedOtpReadSentAhead(): { dir: Dir; length: number }[] {
  const out = chunks(['tx', 1], ['rx', 1]);
  for (const n of [256, 256, 256, 8]) out.push(...chunks(['tx', 2], ['rx', 1], ['tx', 6], ['tx', 2], ['rx', 1], ['rx', 1 + n]));
  return out;
}

describe('the mandatory-time model', () => {
  it('counts the bytes and direction changes of the worked OTP read of an5275-uart.md', () => {
    expect(countTraffic(workedOtpReadAsWritten())).toEqual({ txBytes: 41, rxBytes: 789, turnarounds: 26 });
    // Sending the length ahead saves two direction changes per read; the bytes are the same.
    expect(countTraffic(workedOtpReadSentAhead())).toEqual({ txBytes: 41, rxBytes: 789, turnarounds: 18 });
  });

  it('forces one round trip per sync and two per Read Partition: 18 direction changes for the worked read', () => {
    const steps: CountedStep[] = ['sync', 'Read Partition', 'Read Partition', 'Read Partition', 'Read Partition'];
    expect(mandatoryTurnarounds(steps)).toBe(18);
    expect(mandatoryTurnarounds(['Download'])).toBe(6);
    expect(mandatoryTurnarounds(['Get', 'Get Version', 'Get ID', 'Get Phase'])).toBe(8);
    expect(mandatoryTurnarounds(['Start'])).toBe(4);
  });

  it('charges 11 bit times per byte and the latency per direction change', () => {
    expect(byteMs(115_200)).toBeCloseTo(0.0954861, 6);
    const counts = { txBytes: 41, rxBytes: 789, turnarounds: 18 };
    // 830 bytes × 11 / 115200 = 79.2535 ms, plus 18 × 1 ms.
    expect(mandatoryMs(counts, { baud: 115_200, latencyMs: 1 })).toBeCloseTo(97.2535, 3);
    expect(mandatoryMs(counts, { baud: 921_600, latencyMs: 16 })).toBeCloseTo(830 * (11 / 921.6) + 288, 6);
  });

  it('counts the host first frame as a change of direction after the unsolicited NACK, unless told otherwise', () => {
    expect(countTraffic(chunks(['tx', 1], ['rx', 1]), 'rx').turnarounds).toBe(2);
    expect(countTraffic(chunks(['tx', 1], ['rx', 1]), 'none').turnarounds).toBe(1);
    expect(countTraffic(chunks(['tx', 2], ['tx', 0], ['tx', 3]), 'tx')).toEqual({ txBytes: 5, rxBytes: 0, turnarounds: 0 });
  });

  it('rates efficiency as mandatory over measured and summarizes runs by median, min and max', () => {
    expect(efficiency(98, 100)).toBe(0.98);
    expect(efficiency(1, 0)).toBe(0);
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('the model against the link and the emulated board', () => {
  it('matches the bytes and turnarounds the link really exchanges for an OTP read (send-ahead is the default)', async () => {
    const clock = new ManualClock();
    const board = new EmulatedBoard({ soc: 'STM32MP15', clock });
    const transport = board.connect();
    await transport.open();
    transport.drain(); // the loop's unsolicited NACK
    const link = new Link(transport);
    const seen: { dir: Dir; length: number }[] = [];
    transport.tap((dir, data) => seen.push({ dir, length: data.length }));
    const steps: CountedStep[] = [];
    link.onEvent((e) => {
      if (e.type === 'command') steps.push(e.command as CountedStep);
    });
    await readOtp(link);
    board.close();
    // Get ID (2 + 5 bytes), then 4 reads: 10 host bytes and 3 + N device bytes each.
    const counts = countTraffic(seen);
    expect(counts.txBytes).toBe(2 + 4 * 10);
    expect(counts.rxBytes).toBe(5 + 4 * 3 + 776);
    expect(steps).toEqual(['Get ID', 'Read Partition', 'Read Partition', 'Read Partition', 'Read Partition']);
    expect(mandatoryTurnarounds(steps)).toBe(18);
    // Every host write of a read is ahead of the device's answers: address and length go together.
    const writes = seen.filter((c) => c.dir === 'tx').map((c) => c.length);
    expect(writes).toEqual([2, 2, 6, 2, 2, 6, 2, 2, 6, 2, 2, 6, 2]);
  });
});
