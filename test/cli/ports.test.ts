import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatPorts } from '../../src/cli/commands/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('ports', () => {
  it('prints the ports present as a JSON array of objects with a path', () => {
    const r = spawnSync(process.execPath, ['dist/bin/stm32mp-uart.js', 'ports', '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const ports = JSON.parse(r.stdout) as { path: string }[];
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) expect(typeof p.path).toBe('string');
  });

  it('lines up path, manufacturer, serial number and vid:pid in text', () => {
    const text = formatPorts([
      { path: '/dev/ttyACM0', manufacturer: 'STMicroelectronics', serialNumber: '0667FF', vendorId: '0483', productId: '374b' },
      { path: '/dev/ttyS0' },
    ]);
    expect(text.split('\n')).toEqual(['/dev/ttyACM0  STMicroelectronics  0667FF  0483:374b', '/dev/ttyS0    -                   -       -']);
  });

  it('documents itself with an example', () => {
    const r = spawnSync(process.execPath, ['dist/bin/stm32mp-uart.js', 'ports', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toMatch(/Examples:/);
  });
});
