import { afterEach, describe, expect, it } from 'vitest';
import { LinkError } from '../../src/errors.js';
import { Link } from '../../src/link/link.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { Deadline } from '../../src/util/clock.js';
import { hasSocat, socatPair } from './socat-pair.js';
import { failure } from '../link/scripted-transport.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('SerialTransport', () => {
  it('fails to open a missing port with code PORT and a pointer to `ports`', async () => {
    const t = new SerialTransport('/dev/does-not-exist-stm32mp');
    const err = await failure(t.open());
    expect(err).toBeInstanceOf(LinkError);
    expect(err.code).toBe('PORT');
    expect(err.message).toMatch(/stm32mp-uart ports/);
  });

  it.skipIf(!hasSocat)('carries a sync and a Get ID through a pseudo-terminal pair byte for byte', async () => {
    const pair = await socatPair();
    cleanups.push(() => pair.stop());
    const host = new SerialTransport(pair.a);
    const device = new SerialTransport(pair.b);
    await host.open();
    await device.open();
    cleanups.push(() => host.close(), () => device.close());

    // A two-command device on the far end: ACK the sync, answer Get ID as an STM32MP13.
    const deviceDone = (async () => {
      const far = (): Deadline => Deadline.after(device.clock, 5000);
      expect((await device.read(1, far())).toString('hex')).toBe('7f');
      await device.write(Buffer.from('79', 'hex'));
      expect((await device.read(2, far())).toString('hex')).toBe('02fd');
      await device.write(Buffer.from('7901050179', 'hex'));
    })();

    const rx: string[] = [];
    host.tap((dir, data) => dir === 'rx' && rx.push(data.toString('hex')));
    const link = new Link(host);
    await link.sync();
    expect(await link.getId()).toBe(0x501);
    await deviceDone;
    expect(rx.join('')).toBe('797901050179');
  });
});
