// Provision boards in parallel from a plan: a MAC from a pool and a locked word, with an audit log.
//   node examples/provision-plan.mjs [PLAN.json] [PORT...]
// Without arguments: the smallest plan, written to a temporary folder, on two emulated boards.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatedBoardFuses, emulatorIndex, loadProvisionPlan, provision } from 'stm32mp-uart';

let [planPath, ...ports] = process.argv.slice(2);
if (!planPath) {
  const dir = mkdtempSync(join(tmpdir(), 'stm32mp-plan-'));
  planPath = join(dir, 'plan.json');
  writeFileSync(
    planPath,
    JSON.stringify({
      version: 1,
      macPool: { start: '02:00:00:00:00:10', count: 100, state: 'mac-pool.json' },
      edits: [
        { op: 'write', words: [57, 58], from: 'macPool' },
        { op: 'write-lock', word: 70, value: '0x00001234' },
      ],
    }),
  );
}
if (ports.length === 0) ports = ['emulator:1', 'emulator:2'];

const plan = await loadProvisionPlan(planPath);
const targets = ports.map((port, i) => {
  const index = emulatorIndex(port, i + 1);
  // Emulated boards get their own UID and a blank MAC; a real port needs nothing more.
  return index === undefined ? { port } : { port: `emulator:${index}`, open: { emulator: { fuses: emulatedBoardFuses(index) } } };
});
const run = await provision({
  plan,
  targets,
  yes: true,
  onEvent: (e) => {
    if (e.type === 'reserved') console.log(`${e.port}: MAC ${e.mac} reserved for ${e.uid}`);
  },
});
for (const b of run.boards) console.log(`${b.port}: ${b.result}${b.pool ? ` ${b.pool.mac}` : ''}${b.error ? ` [${b.error.code}] ${b.error.message}` : ''}`);
console.log(`audit log ${run.auditLog}`);
process.exitCode = run.exitCode;
