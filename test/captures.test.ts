import { copyFileSync, appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturesWithoutSidecar, discoverCaptureCases, REPO_ROOT, runCliCase, withoutKeys } from './capture/replay-cases.js';

/**
 * Every capture with a sidecar is a test (docs/captures.md): the CLI replays it as the board and
 * must give the recorded exit code and JSON result (or output file). A host change that alters a
 * byte on the wire fails here with a REPLAY_MISMATCH naming the byte and its frame.
 */
const cases = discoverCaptureCases(join(REPO_ROOT, 'captures'));

describe('capture discovery', () => {
  it('finds the captures that have a sidecar and only those', () => {
    const dir = mkdtempSync(join(tmpdir(), 'captures-'));
    writeFileSync(join(dir, 'b-read.jsonl'), '');
    writeFileSync(join(dir, 'b-read.json'), JSON.stringify({ command: ['otp', 'read', '-o', '{out}'], exitCode: 0, outputSha256: 'ab', description: 'read' }));
    writeFileSync(join(dir, 'a-info.jsonl'), '');
    writeFileSync(join(dir, 'a-info.json'), JSON.stringify({ command: ['info', '--json'], exitCode: 0, json: { soc: 'STM32MP15' }, description: 'info' }));
    writeFileSync(join(dir, 'no-sidecar.jsonl'), '');
    writeFileSync(join(dir, 'no-capture.json'), '{}');
    const found = discoverCaptureCases(dir);
    expect(found.map((c) => c.name)).toEqual(['a-info', 'b-read']);
    expect(found[0]!.sidecar).toEqual({ command: ['info', '--json'], exitCode: 0, json: { soc: 'STM32MP15' }, description: 'info' });
    expect(found[1]!.capture).toBe(join(dir, 'b-read.jsonl'));
  });

  it('refuses a sidecar that does not say what to run or compare', () => {
    const dir = mkdtempSync(join(tmpdir(), 'captures-'));
    writeFileSync(join(dir, 'x.jsonl'), '');
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ command: ['info'], exitCode: 0, outputSha256: 'ab', description: 'no {out}' }));
    expect(() => discoverCaptureCases(dir)).toThrow(/needs \{out\}/);
  });

  it('drops the ignored keys at any depth before comparing JSON', () => {
    expect(withoutKeys({ ms: 3, stages: [{ stage: 'rom', ms: 8 }] }, ['ms'])).toEqual({ stages: [{ stage: 'rom' }] });
    expect(withoutKeys({ ms: 3 }, [])).toEqual({ ms: 3 });
  });
});

describe('the captures directory', () => {
  it('has a sidecar for every capture, so that none is silently left out of the tests', () => {
    expect(capturesWithoutSidecar(join(REPO_ROOT, 'captures'))).toEqual([]);
    expect(cases.length).toBe(readdirSync(join(REPO_ROOT, 'captures')).filter((f) => f.endsWith('.jsonl')).length);
  });

  it('names the captures that lack a sidecar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'captures-'));
    writeFileSync(join(dir, 'ok.jsonl'), '');
    writeFileSync(join(dir, 'ok.json'), '{}');
    writeFileSync(join(dir, 'lonely.jsonl'), '');
    expect(capturesWithoutSidecar(dir)).toEqual(['lonely.jsonl']);
  });
});

describe('replay completeness', () => {
  it('fails the command when the host did not send every host byte the capture recorded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'captures-'));
    const copy = join(dir, 'longer.jsonl');
    copyFileSync(join(REPO_ROOT, 'captures/emulated-mp15-otp-read.jsonl'), copy);
    appendFileSync(copy, '{"t":999999,"dir":"tx","data":"02fd"}\n{"t":999999,"dir":"rx","data":"7901050079"}\n');
    const run = runCliCase(['otp', 'read', '-o', '{out}'], `replay:${copy}`);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error [REPLAY_INCOMPLETE]');
    expect(run.stderr).toContain('02 fd');
    expect(run.stderr).toContain('Get ID (0x02) command');
  });
});

describe('replayed captures', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.sidecar.description}`, () => {
      const run = runCliCase(c.sidecar.command, `replay:${c.capture}`);
      expect({ exitCode: run.exitCode, stderr: run.exitCode === c.sidecar.exitCode ? '' : run.stderr }).toEqual({ exitCode: c.sidecar.exitCode, stderr: '' });
      const ignore = c.sidecar.ignoreKeys ?? [];
      if (c.sidecar.json !== undefined) expect(withoutKeys(run.json, ignore)).toEqual(withoutKeys(c.sidecar.json, ignore));
      if (c.sidecar.outputSha256 !== undefined) expect(run.outputSha256).toBe(c.sidecar.outputSha256);
    });
  }
});
