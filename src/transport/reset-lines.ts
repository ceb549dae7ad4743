import { InputError } from '../errors.js';
import type { Transport } from './transport.js';

/**
 * DTR/RTS sequences played before sync, to reset the board or hold a boot pin, as other flashing
 * tools offer (stm32flash -i, esptool --before). A sequence is comma-separated steps: a signal step
 * such as `D1`, `R0` or `D0R1` (1 = asserted, which on most USB-serial adapters drives the line
 * LOW), or a number of milliseconds to wait.
 */
export type ResetStep = { kind: 'signals'; dtr?: boolean; rts?: boolean } | { kind: 'wait'; ms: number };

/** The named presets: pulse the line (assert 100 ms, release), then let the ROM code start. */
export const RESET_PRESETS = {
  none: '',
  dtr: 'D1,100,D0,100',
  rts: 'R1,100,R0,100',
  'dtr-inverted': 'D0,100,D1,100',
  'rts-inverted': 'R0,100,R1,100',
} as const;

export const RESET_HELP =
  '--reset: none (default); dtr / rts: assert the line 100 ms then release it (reset wired to DTR or RTS); ' +
  'dtr-inverted / rts-inverted: the same with the opposite polarity; or a custom sequence of comma-separated steps, ' +
  'e.g. "D0R1,50,D1R0": D/R followed by 1 (asserted, line low on most adapters) or 0 (released), numbers are waits in ms.';

/** Parses `--reset`; InputError USAGE names the bad step. */
export function parseResetSequence(text: string): ResetStep[] {
  const spec = (RESET_PRESETS as Record<string, string>)[text.trim().toLowerCase()] ?? text;
  const steps: ResetStep[] = [];
  for (const raw of spec.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    if (/^\d+$/.test(token)) {
      steps.push({ kind: 'wait', ms: Number(token) });
      continue;
    }
    const m = /^(?:([DR])([01]))(?:([DR])([01]))?$/i.exec(token);
    if (!m || (m[3] && m[1]!.toUpperCase() === m[3].toUpperCase())) {
      throw new InputError('USAGE', `--reset: cannot read step "${token}" of "${text}". ${RESET_HELP}`, { details: { reset: text, step: token } });
    }
    const step: { kind: 'signals'; dtr?: boolean; rts?: boolean } = { kind: 'signals' };
    for (const [letter, value] of [[m[1], m[2]], [m[3], m[4]]] as const) {
      if (!letter) continue;
      if (letter.toUpperCase() === 'D') step.dtr = value === '1';
      else step.rts = value === '1';
    }
    steps.push(step);
  }
  return steps;
}

/** Plays the steps on the transport's modem lines, waiting on its clock. */
export async function applyResetSequence(transport: Transport, steps: readonly ResetStep[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'wait') await transport.clock.sleep(step.ms);
    else await transport.setSignals({ ...(step.dtr === undefined ? {} : { dtr: step.dtr }), ...(step.rts === undefined ? {} : { rts: step.rts }) });
  }
}
