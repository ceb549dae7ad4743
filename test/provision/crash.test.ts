import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProvisionPlan } from '../../src/operations/provision/plan.js';
import { provision } from '../../src/operations/provision/provision.js';
import { emulatedTargets, emulatedUid, tempDir, writePlan } from './helpers.js';

const DIST_INDEX = new URL('../../dist/src/index.js', import.meta.url).href;

/** A provisioning process (the built library) that dies by SIGKILL right after its pool reservation. */
const CRASHING_RUN = `
import { emulatedBoardFuses, loadProvisionPlan, provision } from ${JSON.stringify(DIST_INDEX)};
const [planPath, index] = process.argv.slice(2);
const plan = await loadProvisionPlan(planPath);
await provision({
  plan,
  yes: true,
  targets: [{ port: 'emulator:' + index, open: { emulator: { fuses: emulatedBoardFuses(Number(index)) } } }],
  onEvent: (e) => {
    if (e.type === 'reserved') {
      process.stdout.write(e.mac + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
process.stdout.write('not killed\\n');
`;

describe('a crash between the pool reservation and the write', () => {
  it('does not give the reserved address to another board, and gives it back to the same board', async () => {
    const dir = tempDir();
    const planPath = writePlan(dir);
    const script = join(dir, 'crash.mjs');
    writeFileSync(script, CRASHING_RUN);
    const crashed = spawnSync(process.execPath, [script, planPath, '1'], { encoding: 'utf8', timeout: 30_000 });
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stdout.trim()).toBe('02:00:00:00:00:10');

    const state = JSON.parse(readFileSync(join(dir, 'mac-pool.json'), 'utf8'));
    expect(state.addresses).toEqual([expect.objectContaining({ mac: '02:00:00:00:00:10', uid: emulatedUid(1), state: 'reserved' })]);
    expect(existsSync(join(dir, 'mac-pool.json.lock'))).toBe(false);

    // The line restarts: board 2 first, then board 1 again (blank: the crash came before the write).
    const plan = await loadProvisionPlan(planPath);
    const other = await provision({ plan, targets: emulatedTargets(2).targets.slice(1), yes: true });
    expect(other.boards[0]).toMatchObject({ uid: emulatedUid(2), result: 'ok', pool: { mac: '02:00:00:00:00:11', reused: false } });
    const same = await provision({ plan, targets: emulatedTargets(1).targets, yes: true });
    expect(same.boards[0]).toMatchObject({ uid: emulatedUid(1), result: 'ok', pool: { mac: '02:00:00:00:00:10', reused: true, state: 'burnt' } });
  });
});
