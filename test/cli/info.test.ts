import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../src/capture/format.js';


const cli = (...args: string[]): CliRun => runCli(args);

const cliWithEnv = (env: Record<string, string>, ...args: string[]): CliRun => runCli(args, { env });

describe('info', () => {
  it('describes the emulated STM32MP15 in U-Boot as JSON, and says on stderr that it is emulated', () => {
    const r = cli('info', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/using the emulated board \(no --port given\)/);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ stage: 'u-boot', soc: 'STM32MP15', productId: 0x500, protocolVersion: '4.0', loaderVersion: '0.3' });
    expect(info.commands.map((c: { code: number }) => c.code)).toEqual([0x00, 0x01, 0x02, 0x03, 0x11, 0x12, 0x21, 0x31]);
    expect(info.commands[5]).toEqual({ code: 0x12, name: 'Read Partition' });
    expect(info.optionBytes).toBeUndefined();
    expect(typeof info.phase.address).toBe('number');
  });

  it('describes the emulated STM32MP13 with --soc mp13', () => {
    const info = JSON.parse(cli('info', '--json', '--soc', 'mp13').stdout);
    expect(info).toMatchObject({ stage: 'u-boot', soc: 'STM32MP13', productId: 0x501 });
  });

  it("recognises the ROM code by its option bytes and phase 0x01 at the SoC's download address", () => {
    const mp15 = JSON.parse(cli('info', '--json', '--stage', 'rom').stdout);
    expect(mp15).toMatchObject({ stage: 'rom', loaderVersion: '1.0', optionBytes: '0000', phase: { id: 0x01, name: 'FSBL', address: 0x2ffc2400, info: '' } });
    expect(mp15.commands.map((c: { code: number }) => c.code)).toEqual([0x00, 0x01, 0x02, 0x03, 0x21, 0x31]);
    const mp13 = JSON.parse(cli('info', '--json', '--stage', 'rom', '--soc', 'mp13').stdout);
    expect(mp13.phase.address).toBe(0x2ffdfe00);
  });

  it('prints a readable summary in text', () => {
    const r = cli('info');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^stage\s+U-Boot stm32prog$/m);
    expect(r.stdout).toMatch(/^SoC\s+STM32MP15 \(product id 0x500\)$/m);
    expect(r.stdout).toMatch(/^commands\s+0x00 Get, 0x01 Get Version, .*0x12 Read Partition/m);
  });

  it('gets through injected faults: junk before an ACK, a NACK, a dropped byte and a stall', () => {
    const r = cli('info', '--json', '--faults', 'junk:1,nack-cmd:2,drop-rx:9,stall:4:300', '--log-level', 'debug');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).soc).toBe('STM32MP15');
    expect(r.stderr).toMatch(/re-sync and retry/);
  });

  it('records every byte of the session with --record', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'info-rec-')), 'info.jsonl');
    expect(cli('info', '--json', '--record', path).status).toBe(0);
    const capture = parseCapture(readFileSync(path, 'utf8'));
    expect(capture.header).toMatchObject({ baud: 115200, parity: 'even', port: 'emulator' });
    const tx = capture.chunks.filter((c) => c.dir === 'tx').map((c) => c.data.toString('hex'));
    expect(tx).toEqual(['7f', '00ff', '01fe', '02fd', '03fc']);
    const rx = Buffer.concat(capture.chunks.filter((c) => c.dir === 'rx').map((c) => c.data)).toString('hex');
    expect(rx).toContain('790840000102031112213179');
  });

  it('fails with exit code 1 and an actionable PORT error on a missing port', () => {
    const r = cli('info', '--port', '/dev/does-not-exist-stm32mp');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error \[PORT\].*stm32mp-uart ports/);
  });

  it('logs every frame decoded at trace level', () => {
    const r = cli('info', '--log-level', 'trace');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/"command":"Get Phase".*"dir":"tx"/);
    expect(r.stderr).toMatch(/"answer":"ACK"/);
  });

  it('takes the port from STM32MP_PORT when --port is absent, without the emulated-board note', () => {
    const r = cliWithEnv({ STM32MP_PORT: 'emulator' }, 'info', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/using the emulated board/);
    expect(JSON.parse(r.stdout).soc).toBe('STM32MP15');
  });

  it('saves the emulated fuses with --save-fuses and starts from them with --fuses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'info-fuses-'));
    const saved = join(dir, 'fuses.bin');
    expect(cli('info', '--save-fuses', saved).status).toBe(0);
    const bytes = readFileSync(saved);
    expect(bytes.length).toBe(776);
    expect(bytes.equals(readFileSync(join(ROOT, 'test/fixtures/stm32mp157c-dk2-otp.bin')))).toBe(true);
    expect(cli('info', '--fuses', saved).status).toBe(0);
  });

  it('refuses a missing --fuses file and an unreadable --reset sequence with exit code 2', () => {
    const fuses = cli('info', '--fuses', '/nonexistent/fuses.bin');
    expect(fuses.status).toBe(2);
    expect(fuses.stderr).toMatch(/error \[FILE\]/);
    const reset = cli('info', '--reset', 'D7');
    expect(reset.status).toBe(2);
    expect(reset.stderr).toMatch(/error \[USAGE\].*D7/);
  });

  it('documents --reset in its help, with examples', () => {
    const r = cli('info', '--help');
    expect(r.stdout).toMatch(/Examples:/);
    expect(r.stdout).toMatch(/dtr-inverted/);
  });

  it('replays the recorded emulator captures in captures/ to the same answers', () => {
    for (const [file, soc] of [['captures/emulated-mp15-info.jsonl', 'STM32MP15'], ['captures/emulated-mp13-info.jsonl', 'STM32MP13']] as const) {
      const r = cli('info', '--json', '--port', `replay:${file}`);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ stage: 'u-boot', soc });
    }
  });
});
