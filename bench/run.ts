import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureDecode, type DecodeResult } from './decode-throughput.js';
import { measureHostCpu, type HostCpuResult } from './host-cpu.js';
import { measureParallel, type ParallelResult } from './parallel.js';
import { downloadScenario, infoScenario, otpReadScenario, otpWriteScenario, type WireScenario } from './scenarios.js';
import { runWireScenario, type WireResult } from './wire-bench.js';

/**
 * `npm run bench` (issue 10): how close the tool gets to the wire limit. Not a test — nothing here
 * asserts; it prints a table and writes bench/results.json. `--quick` runs every scenario once
 * (and skips the 256 KiB download at 115200, ~30 s) for a fast look.
 */

const GOALS = { efficiency: 0.98, cpuUsPerPacket: 20, decodeMBps: 50, parallelRatio: 1.2 } as const;

interface MachineInfo {
  name: 'machine';
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  totalMs: number;
}

type Result = WireResult | HostCpuResult | DecodeResult | ParallelResult | MachineInfo;

/** The short scenarios first, then (after the parallel one) the long downloads. */
function scenarios(quick: boolean): { short: WireScenario[]; long: WireScenario[] } {
  const n = (full: number): number => (quick ? 1 : full);
  const short = [infoScenario(n(7)), otpReadScenario(n(7)), otpReadScenario(n(5), true), otpWriteScenario(n(5))];
  const long = [downloadScenario(921_600, n(3))];
  if (!quick) long.push(downloadScenario(115_200, 3));
  return { short, long };
}

function pad(s: string | number, n: number, right = false): string {
  const t = String(s);
  return right ? t.padEnd(n) : t.padStart(n);
}

function wireTable(rows: WireResult[]): string {
  const head = `${pad('scenario', 24, true)}${pad('baud', 8)}${pad('mandatory ms', 14)}${pad('median ms', 11)}${pad('min', 10)}${pad('max', 10)}${pad('1st run', 10)}${pad('efficiency', 12)}${pad('host eff', 10)}${pad('turns m/o', 11)}${pad('host ms', 9)}${pad('device ms', 11)}${pad('late ms', 9)}${pad('retries', 9)}`;
  const lines = rows.map(
    (r) =>
      `${pad(r.name, 24, true)}${pad(r.baud, 8)}${pad(r.mandatoryMs.toFixed(1), 14)}${pad(r.measuredMs.toFixed(1), 11)}${pad(r.minMs.toFixed(1), 10)}${pad(r.maxMs.toFixed(1), 10)}${pad(r.firstRunMs.toFixed(1), 10)}` +
      `${pad(r.efficiency.toFixed(3), 11)}${r.efficiency >= GOALS.efficiency ? ' ' : '*'}${pad(r.hostEfficiency.toFixed(3), 10)}${pad(`${r.mandatoryTurnarounds}/${r.observedTurnarounds}`, 11)}${pad(r.hostGapMs.toFixed(1), 9)}${pad(r.deviceMs.toFixed(1), 11)}${pad(r.wireLateMs.toFixed(1), 9)}${pad(r.retries, 9)}`,
  );
  return [head, ...lines].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = performance.now();
  const loadAverageStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const results: Result[] = [];

  const wire: WireResult[] = [];
  const runAll = async (list: WireScenario[]): Promise<void> => {
    for (const s of list) {
      log(`${s.name}: ${s.runs} run(s) at ${s.line.baud} baud, ${s.line.latencyMs} ms latency...`);
      const r = await runWireScenario(s);
      wire.push(r);
      results.push(r);
    }
  };
  const { short, long } = scenarios(quick);
  await runAll(short);
  log('four boards in parallel...');
  const parallel = await measureParallel(wire.find((r) => r.name === 'otp-write-verify')?.mandatoryMs ?? 0, 4, quick ? 1 : 3);
  results.push(parallel);
  await runAll(long);
  // CPU-only measurements last: their garbage (33 MB of capture) must not be collected during a
  // timed wire scenario.
  log('host CPU per 256-byte Download packet (no wire model)...');
  const cpu = await measureHostCpu(quick ? 5_000 : 20_000);
  results.push(cpu);
  log('capture decode throughput...');
  const decode = await measureDecode(quick ? 8 * 1024 * 1024 : 32 * 1024 * 1024, quick ? 1 : 3);
  results.push(decode);

  const cpus = os.cpus();
  const machine: MachineInfo = {
    name: 'machine',
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageStart,
    loadAverageEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    totalMs: Math.round(performance.now() - started),
  };
  results.push(machine);

  const out = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);

  const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
  process.stdout.write(
    [
      wireTable(wire),
      '(1st run: the scenario\'s first run in the process, before its unmeasured warm-up runs — cold JavaScript, what a one-shot CLI call pays; turns m/o: direction changes the protocol forces / the host made; host ms / device ms: time each side took to answer what it received; late ms: wire-model delivery lateness (emulator scheduling); host eff: mandatory / (time − device − late), median of the runs; * = below the goal)',
      '',
      `host CPU per 256-byte Download packet: ${cpu.cpuUsPerPacket} µs (goal ≤ ${GOALS.cpuUsPerPacket}: ${mark(cpu.cpuUsPerPacket <= GOALS.cpuUsPerPacket)})`,
      `capture decode: ${decode.decodeMBps} MB/s median, ${decode.bestMBps} best, ${(decode.bytes / 1e6).toFixed(1)} MB (goal ≥ ${GOALS.decodeMBps}: ${mark(decode.decodeMBps >= GOALS.decodeMBps)})`,
      `four boards in parallel (OTP write + verify): ${parallel.allBoardsMs} ms vs ${parallel.oneBoardMs} ms for one, ratio ${parallel.ratio} (goal ≤ ${GOALS.parallelRatio}: ${mark(parallel.ratio <= GOALS.parallelRatio)})`,
      // The lock-step OTP read is there to show what send-ahead saves, not a way the tool works.
      `efficiency goal ≥ ${GOALS.efficiency} (every scenario the tool runs; otp-read-lock-step is for comparison): ${mark(wire.filter((r) => r.name !== 'otp-read-lock-step').every((r) => r.efficiency >= GOALS.efficiency))}`,
      `machine: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, load ${loadAverageStart.join(' ')} → ${machine.loadAverageEnd.join(' ')}; ${(machine.totalMs / 1000).toFixed(0)} s`,
      `written: ${out}`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
