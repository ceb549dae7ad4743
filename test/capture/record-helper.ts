import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO_ROOT, runCliCase, withoutKeys, type CaptureSidecar } from './replay-cases.js';

export interface RecordCaseOptions {
  /** File name without extension: writes captures/NAME.jsonl and captures/NAME.json. */
  name: string;
  /** CLI argv stored in the sidecar (no --port); `{out}` for an output file whose sha256 is kept. */
  command: string[];
  description: string;
  /** Options used only while recording against the emulator (--soc mp13, --stage rom, --faults ...). */
  emulatorArgs?: string[];
  /** JSON keys whose values vary run to run (times): stored in the sidecar and left out of it. */
  ignoreKeys?: string[];
  capturesDir?: string;
}

export interface RecordedCase {
  sidecar: CaptureSidecar;
  /** The replay of the new capture, run at once. */
  replay: { exitCode: number | null; json?: unknown; outputSha256?: string; stderr: string };
  /** Whether the replay gave what the recording run gave (false: see `replay`, e.g. a port name in the JSON). */
  replayMatches: boolean;
}

/**
 * Makes a capture case from a CLI run: runs the built CLI (npm run build first) with --record against
 * the emulated board, writes the sidecar with the observed exit code and JSON / output sha256, then
 * replays the new capture and reports whether the replay agrees. Use from a one-off script or test:
 *   await recordCaptureCase({ name: 'otp-read-mp15', command: ['otp', 'read', '-o', '{out}', '--json'],
 *                          description: 'OTP read of the emulated DK2' })
 */
export async function recordCaptureCase(options: RecordCaseOptions): Promise<RecordedCase> {
  const dir = options.capturesDir ?? join(REPO_ROOT, 'captures');
  const capture = join(dir, `${options.name}.jsonl`);
  const tmp = mkdtempSync(join(tmpdir(), 'record-case-'));
  const out = join(tmp, 'out.bin');
  try {
    const argv = [...options.command.map((a) => a.replaceAll('{out}', out)), ...(options.emulatorArgs ?? []), '--port', 'emulator', '--record', capture];
    const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status === null) throw new Error(`the CLI did not exit: ${r.error?.message ?? r.signal}`);
    if (!existsSync(capture)) throw new Error(`the CLI wrote no capture (exit ${r.status}): ${r.stderr}`);
    const sidecar: CaptureSidecar = { command: options.command, exitCode: r.status, description: options.description };
    const ignore = options.ignoreKeys ?? [];
    if (ignore.length > 0) sidecar.ignoreKeys = ignore;
    if (options.command.includes('--json')) sidecar.json = withoutKeys(JSON.parse(r.stdout), ignore);
    if (options.command.includes('{out}') && existsSync(out)) sidecar.outputSha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
    writeFileSync(join(dir, `${options.name}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
    const replay = runCliCase(options.command, `replay:${capture}`);
    const replayMatches =
      replay.exitCode === sidecar.exitCode &&
      JSON.stringify(withoutKeys(replay.json, ignore)) === JSON.stringify(sidecar.json) &&
      replay.outputSha256 === sidecar.outputSha256;
    return { sidecar, replay: { exitCode: replay.exitCode, json: replay.json, outputSha256: replay.outputSha256, stderr: replay.stderr }, replayMatches };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
