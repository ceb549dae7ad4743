import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { applyResetSequence, parseResetSequence } from '../../src/transport/reset-lines.js';
import { QueueTransport } from '../../src/transport/transport.js';
import { ManualClock } from '../../src/util/clock.js';
import { drive } from '../link/scripted-transport.js';

class SignalRecorder extends QueueTransport {
  readonly log: string[] = [];
  constructor(clock: ManualClock) {
    super('signals', clock);
  }
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  protected async sendBytes(): Promise<void> {}
  override async setSignals(s: { dtr?: boolean; rts?: boolean }): Promise<void> {
    this.log.push(`${this.clock.now()}ms ${JSON.stringify(s)}`);
  }
}

describe('reset sequences', () => {
  it('plays nothing for none', () => {
    expect(parseResetSequence('none')).toEqual([]);
  });

  it('pulses DTR for the dtr preset and RTS the other way round for rts-inverted', () => {
    expect(parseResetSequence('dtr')).toEqual([
      { kind: 'signals', dtr: true },
      { kind: 'wait', ms: 100 },
      { kind: 'signals', dtr: false },
      { kind: 'wait', ms: 100 },
    ]);
    expect(parseResetSequence('rts-inverted')[0]).toEqual({ kind: 'signals', rts: false });
  });

  it('reads a custom sequence of signal steps and waits', () => {
    expect(parseResetSequence('D0R1,50,D1R0')).toEqual([
      { kind: 'signals', dtr: false, rts: true },
      { kind: 'wait', ms: 50 },
      { kind: 'signals', dtr: true, rts: false },
    ]);
  });

  it('refuses a step it cannot read, naming it', () => {
    expect(() => parseResetSequence('D2,50')).toThrow(InputError);
    expect(() => parseResetSequence('D1D0')).toThrow(/D1D0/);
    expect(() => parseResetSequence('reboot')).toThrow(/reboot/);
  });

  it('sets the lines in order, waiting on the transport clock', async () => {
    const clock = new ManualClock();
    const t = new SignalRecorder(clock);
    await drive(clock, applyResetSequence(t, parseResetSequence('D0R1,50,D1R0')));
    expect(t.log).toEqual(['0ms {"dtr":false,"rts":true}', '50ms {"dtr":true,"rts":false}']);
  });
});
