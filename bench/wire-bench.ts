import { takeWireTimingStats } from '../src/emulator/wire.js';
import { countTraffic, efficiency, mandatoryMs, mandatoryTurnarounds, summarize, type TrafficCounts } from './model.js';
import type { WireScenario } from './scenarios.js';
import { openSession, type Session } from './session.js';

export interface WireResult {
  name: string;
  baud: number;
  latencyMs: number;
  runs: number;
  mandatoryMs: number;
  measuredMs: number;
  minMs: number;
  maxMs: number;
  efficiency: number;
  /** The scenario's first run in the process, before the warm-up (`WireScenario.warmUpRuns`): cold code. */
  firstRunMs: number;
  /** Unmeasured runs before the measured ones. */
  warmUpRuns: number;
  txBytes: number;
  rxBytes: number;
  /** Direction changes the device forces (model.ts ROUND_TRIPS_PER_COMMAND × 2). */
  mandatoryTurnarounds: number;
  /** Direction changes the host's transport actually saw (more = the host waited where it need not). */
  observedTurnarounds: number;
  /** Median per run of the time the host spent between an answer arriving and its next write. */
  hostGapMs: number;
  /** Median per run of how late the wire model delivered chunk ends (the emulator's own timing error). */
  wireLateMs: number;
  /** Median per run of the emulated device's reaction times (its CPU, not a real board's). */
  deviceMs: number;
  /**
   * Median over the runs of mandatory / (time − wire lateness − device time): the host's own
   * efficiency, as if the wire model were exact and the emulated device answered instantly (both are
   * the emulator's costs, not the host's).
   */
  hostEfficiency: number;
  /** Link retries over all runs (a NACKed packet, a lost answer): each run's time includes its own. */
  retries: number;
}

/** One measured run on a fresh board: what the tap saw and how long it took. */
interface Run {
  ms: number;
  counts: TrafficCounts;
  mandatoryTurns: number;
  hostGapMs: number;
  wireLateMs: number;
  deviceMs: number;
  retries: number;
}

async function runOnce(s: WireScenario): Promise<Run> {
  const session: Session = await openSession(s.line, s.lockStep ? { sendAhead: false } : {});
  try {
    if (s.syncFirst) await session.link.sync();
    let retries = 0;
    session.link.onEvent((e) => void (e.type === 'retry' && retries++));
    session.record();
    takeWireTimingStats();
    const t0 = performance.now();
    await s.measure(session.link);
    const ms = performance.now() - t0;
    const timing = takeWireTimingStats();
    const counts = countTraffic(session.chunks, 'rx');
    let hostGapMs = 0;
    for (let i = 1; i < session.chunks.length; i++) {
      const prev = session.chunks[i - 1]!;
      const c = session.chunks[i]!;
      if (prev.dir === 'rx' && c.dir === 'tx') hostGapMs += c.atMs - prev.atMs;
    }
    return { ms, counts, mandatoryTurns: mandatoryTurnarounds(session.steps), hostGapMs, wireLateMs: timing.lateMsTotal, deviceMs: timing.deviceMsTotal, retries };
  } finally {
    await session.close();
  }
}

/**
 * Runs a scenario `runs` times, each on a fresh board (an OTP write changes the fuses). The mandatory
 * time comes from the bytes of a run without retries (a retry re-sends bytes the protocol did not
 * require; its time still counts in that run's measurement).
 */
export async function runWireScenario(s: WireScenario): Promise<WireResult> {
  const warmUp = s.warmUpRuns ?? 0;
  let firstRunMs: number | undefined;
  for (let i = 0; i < warmUp; i++) {
    const r = await runOnce(s);
    firstRunMs ??= r.ms;
  }
  const runs: Run[] = [];
  for (let i = 0; i < s.runs; i++) runs.push(await runOnce(s));
  const clean = runs.filter((r) => r.retries === 0);
  const ref = (clean.length ? clean : runs).reduce((a, b) => (b.counts.txBytes + b.counts.rxBytes < a.counts.txBytes + a.counts.rxBytes ? b : a));
  const mandatory = mandatoryMs({ txBytes: ref.counts.txBytes, rxBytes: ref.counts.rxBytes, turnarounds: ref.mandatoryTurns }, s.line);
  const med = (pick: (r: Run) => number): number => round(summarize(runs.map(pick)).median);
  const { median, min, max } = summarize(runs.map((r) => r.ms));
  return {
    name: s.name,
    baud: s.line.baud,
    latencyMs: s.line.latencyMs,
    runs: s.runs,
    mandatoryMs: round(mandatory),
    measuredMs: round(median),
    minMs: round(min),
    maxMs: round(max),
    efficiency: efficiency(mandatory, median),
    firstRunMs: round(firstRunMs ?? runs[0]!.ms),
    warmUpRuns: warmUp,
    txBytes: ref.counts.txBytes,
    rxBytes: ref.counts.rxBytes,
    mandatoryTurnarounds: ref.mandatoryTurns,
    observedTurnarounds: ref.counts.turnarounds,
    hostGapMs: med((r) => r.hostGapMs),
    wireLateMs: med((r) => r.wireLateMs),
    deviceMs: med((r) => r.deviceMs),
    hostEfficiency: summarize(runs.map((r) => efficiency(mandatory, r.ms - r.wireLateMs - r.deviceMs))).median,
    retries: runs.reduce((n, r) => n + r.retries, 0),
  };
}

export function round(x: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
