import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ once so that CLI tests run the real binary, as a user would. Type errors do not stop
 * the emit (CI checks types separately with `tsc --noEmit`); SKIP_BUILD=1 reuses an existing dist/.
 */
export default function setup(): void {
  if (process.env.SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`global-setup: tsc reported errors (dist/ emitted anyway):\n${r.stdout}${r.stderr}\n`);
}
