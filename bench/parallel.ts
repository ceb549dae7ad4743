import { efficiency, summarize } from './model.js';
import { otpWriteScenario, type WireScenario } from './scenarios.js';
import { openSession, type Session } from './session.js';
import { round } from './wire-bench.js';

export interface ParallelResult {
  name: 'parallel-4-boards';
  boards: number;
  runs: number;
  /** Median time of the operation on one board alone. */
  oneBoardMs: number;
  /** Median time until all boards are done, started together. */
  allBoardsMs: number;
  /** allBoardsMs / oneBoardMs; the goal is ≤ 1.2. */
  ratio: number;
  /** One board's mandatory time (the boards share nothing but the host). */
  mandatoryMs: number;
  /** = allBoardsMs, and its spread. */
  measuredMs: number;
  minMs: number;
  maxMs: number;
  /** mandatoryMs / allBoardsMs. */
  efficiency: number;
}

/** Times the scenario on `n` fresh boards started together (one process, one event loop). */
async function runTogether(s: WireScenario, n: number): Promise<number> {
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < n; i++) sessions.push(await openSession(s.line, s.lockStep ? { sendAhead: false } : {}));
    await Promise.all(sessions.map((x) => x.link.sync()));
    const t0 = performance.now();
    await Promise.all(sessions.map((x) => s.measure(x.link)));
    return performance.now() - t0;
  } finally {
    await Promise.all(sessions.map((x) => x.close()));
  }
}

/**
 * "Four boards in parallel take no more than 1.2× the time of one": OTP write + read-back verify on
 * four emulated boards, each behind its own wire model, all driven concurrently by one host process.
 */
export async function measureParallel(mandatoryMs: number, boards = 4, runs = 3): Promise<ParallelResult> {
  const s = otpWriteScenario(runs);
  const one: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < runs; r++) {
    one.push(await runTogether(s, 1));
    all.push(await runTogether(s, boards));
  }
  const oneMs = summarize(one).median;
  const { median: allMs, min, max } = summarize(all);
  return {
    name: 'parallel-4-boards',
    boards,
    runs,
    oneBoardMs: round(oneMs),
    allBoardsMs: round(allMs),
    ratio: round(allMs / oneMs, 3),
    mandatoryMs: round(mandatoryMs),
    measuredMs: round(allMs),
    minMs: round(min),
    maxMs: round(max),
    efficiency: efficiency(mandatoryMs, allMs),
  };
}
