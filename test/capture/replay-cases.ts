import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A capture that is a test: captures/NAME.jsonl plus its sidecar captures/NAME.json (docs/captures.md).
 * `command` is the CLI argv without --port; `{out}` stands for a temp file whose sha256 is compared.
 */
export interface CaptureSidecar {
  command: string[];
  exitCode: number;
  json?: unknown;
  outputSha256?: string;
  /** Keys dropped at any depth of both JSON values before comparing (values that vary run to run: times). */
  ignoreKeys?: string[];
  description: string;
}

export interface CaptureCase {
  name: string;
  capture: string;
  sidecarPath: string;
  sidecar: CaptureSidecar;
}

export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
export const CLI = join(REPO_ROOT, 'dist/bin/stm32mp-uart.js');

/** Every NAME.jsonl in `dir` that has a NAME.json beside it, sorted by name. Throws on a bad sidecar. */
export function discoverCaptureCases(dir: string): CaptureCase[] {
  if (!existsSync(dir)) return [];
  const files = new Set(readdirSync(dir));
  const cases: CaptureCase[] = [];
  for (const f of [...files].sort()) {
    if (!f.endsWith('.jsonl')) continue;
    const name = f.slice(0, -'.jsonl'.length);
    if (!files.has(`${name}.json`)) continue;
    const sidecarPath = join(dir, `${name}.json`);
    cases.push({ name, capture: join(dir, f), sidecarPath, sidecar: parseSidecar(readFileSync(sidecarPath, 'utf8'), sidecarPath) });
  }
  return cases;
}

/** The NAME.jsonl files in `dir` without a NAME.json: captures that no test would replay. */
export function capturesWithoutSidecar(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files = new Set(readdirSync(dir));
  return [...files].filter((f) => f.endsWith('.jsonl') && !files.has(`${f.slice(0, -'.jsonl'.length)}.json`)).sort();
}

export function parseSidecar(text: string, source: string): CaptureSidecar {
  const o = JSON.parse(text) as Partial<CaptureSidecar>;
  if (!Array.isArray(o.command) || !o.command.every((a) => typeof a === 'string')) throw new Error(`${source}: "command" must be an array of strings`);
  if (typeof o.exitCode !== 'number') throw new Error(`${source}: "exitCode" must be a number`);
  if (typeof o.description !== 'string') throw new Error(`${source}: "description" must say what the capture shows`);
  if (o.ignoreKeys !== undefined && !(Array.isArray(o.ignoreKeys) && o.ignoreKeys.every((k) => typeof k === 'string'))) throw new Error(`${source}: "ignoreKeys" must be an array of strings`);
  if (o.outputSha256 !== undefined && !o.command.includes('{out}')) throw new Error(`${source}: "outputSha256" needs {out} in the command`);
  return o as CaptureSidecar;
}

/** A copy of `value` without the keys in `keys`, at any depth. */
export function withoutKeys(value: unknown, keys: readonly string[]): unknown {
  if (keys.length === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutKeys(v, keys));
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)).map(([k, v]) => [k, withoutKeys(v, keys)]));
}

export interface CaseRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  json?: unknown;
  outputSha256?: string;
}

/** Runs the built CLI with the sidecar's command against `--port <port>`. */
export function runCliCase(command: string[], port: string, cwd = REPO_ROOT): CaseRun {
  const tmp = mkdtempSync(join(tmpdir(), 'capture-case-'));
  const out = join(tmp, 'out.bin');
  try {
    const argv = [...command.map((a) => a.replaceAll('{out}', out)), '--port', port];
    const r = spawnSync(process.execPath, [CLI, ...argv], { cwd, encoding: 'utf8', env: { ...process.env, STM32MP_PORT: '' } });
    const run: CaseRun = { exitCode: r.status, stdout: r.stdout, stderr: r.stderr };
    if (command.includes('--json') && r.stdout.trim() !== '') {
      try {
        run.json = JSON.parse(r.stdout);
      } catch {
        run.json = r.stdout; // shows up in the diff as text
      }
    }
    if (command.includes('{out}') && existsSync(out)) run.outputSha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
    return run;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
