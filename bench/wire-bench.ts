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
}

/** One measured run on a fresh board: what the tap saw and how long it took. */
async function runOnce(s: WireScenario): Promise<{ ms: number; counts: TrafficCounts; mandatoryTurns: number; hostGapMs: number; wireLateMs: number }> {
  const session: Session = await openSession(s.line, { sendAhead: !s.lockStep });
  try {
    if (s.syncFirst) await session.link.sync();
    session.record();
    takeWireTimingStats();
    const t0 = performance.now();
    await s.measure(session.link);
    const ms = performance.now() - t0;
    const wireLateMs = takeWireTimingStats().lateMsTotal;
    const counts = countTraffic(session.chunks, 'rx');
    let hostGapMs = 0;
    for (let i = 1; i < session.chunks.length; i++) {
      const prev = session.chunks[i - 1]!;
      const c = session.chunks[i]!;
      if (prev.dir === 'rx' && c.dir === 'tx') hostGapMs += c.atMs - prev.atMs;
    }
    return { ms, counts, mandatoryTurns: mandatoryTurnarounds(session.steps), hostGapMs, wireLateMs };
  } finally {
    await session.close();
  }
}

/** Runs a scenario `runs` times, each on a fresh board (an OTP write changes the fuses). */
export async function runWireScenario(s: WireScenario): Promise<WireResult> {
  const times: number[] = [];
  const gaps: number[] = [];
  const late: number[] = [];
  let first: Awaited<ReturnType<typeof runOnce>> | undefined;
  for (let i = 0; i < s.runs; i++) {
    const r = await runOnce(s);
    first ??= r;
    if (r.counts.txBytes !== first.counts.txBytes || r.counts.rxBytes !== first.counts.rxBytes) {
      throw new Error(`${s.name}: run ${i + 1} moved different bytes than run 1 (a retry?)`);
    }
    times.push(r.ms);
    gaps.push(r.hostGapMs);
    late.push(r.wireLateMs);
  }
  const f = first!;
  const mandatory = mandatoryMs({ txBytes: f.counts.txBytes, rxBytes: f.counts.rxBytes, turnarounds: f.mandatoryTurns }, s.line);
  const { median, min, max } = summarize(times);
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
    txBytes: f.counts.txBytes,
    rxBytes: f.counts.rxBytes,
    mandatoryTurnarounds: f.mandatoryTurns,
    observedTurnarounds: f.counts.turnarounds,
    hostGapMs: round(summarize(gaps).median),
    wireLateMs: round(summarize(late).median),
  };
}

export function round(x: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
