import { describe, expect, it } from 'vitest';
import { AbortError, LinkError, NackError } from '../../src/errors.js';
import { downloadSpec } from '../../src/protocol/download.js';
import { getIdSpec } from '../../src/protocol/get-id.js';
import { decodeGetPhase, getPhaseSpec } from '../../src/protocol/get-phase.js';
import { getVersionSpec } from '../../src/protocol/get-version.js';
import { decodeGet, getSpec } from '../../src/protocol/get.js';
import { readMemorySpec } from '../../src/protocol/read-memory.js';
import { lengthMayGoAhead, readPartitionSpec } from '../../src/protocol/read-partition.js';
import { startSpec } from '../../src/protocol/start.js';
import { ScriptIo } from './script-io.js';
import { failure } from '../link/scripted-transport.js';

// Each answer below starts after the command's own ACK (the runner reads that one).

describe('Get', () => {
  it("decodes U-Boot's answer: protocol 4.0 and eight commands", async () => {
    const io = new ScriptIo('08 40 00 01 02 03 11 12 21 31 79');
    expect(await getSpec.exchange(io)).toEqual({ protocolVersion: 0x40, commands: [0x00, 0x01, 0x02, 0x03, 0x11, 0x12, 0x21, 0x31] });
    expect(io.remainingHex).toBe('');
  });

  it("decodes the ROM code's six commands", async () => {
    const io = new ScriptIo('06 40 00 01 02 03 21 31 79');
    expect((await getSpec.exchange(io)).commands).toEqual([0x00, 0x01, 0x02, 0x03, 0x21, 0x31]);
  });

  it('rejects an answer that does not end in ACK', async () => {
    await expect(getSpec.exchange(new ScriptIo('06 40 00 01 02 03 21 31 1f'))).rejects.toBeInstanceOf(NackError);
    expect(() => decodeGet(Buffer.alloc(0))).toThrow(LinkError);
  });
});

describe('Get Version', () => {
  it("reads U-Boot's single version byte and stops at the ACK", async () => {
    const io = new ScriptIo('03 79');
    const r = await getVersionSpec.exchange(io);
    expect(r.version).toBe(0x03);
    expect(r.optionBytes.length).toBe(0);
  });

  it("reads the ROM code's two option bytes when the byte after the version is not ACK", async () => {
    const io = new ScriptIo('10 00 00 79');
    const r = await getVersionSpec.exchange(io);
    expect(r.version).toBe(0x10);
    expect(r.optionBytes.toString('hex')).toBe('0000');
    expect(io.remainingHex).toBe('');
  });

  it('reports a missing final ACK after the option bytes as a protocol error', async () => {
    await expect(getVersionSpec.exchange(new ScriptIo('10 00 00 42'))).rejects.toMatchObject({ code: 'PROTOCOL' });
  });
});

describe('Get ID', () => {
  it('reads the product id big-endian', async () => {
    expect(await getIdSpec.exchange(new ScriptIo('01 05 00 79'))).toBe(0x500);
    expect(await getIdSpec.exchange(new ScriptIo('01 05 01 79'))).toBe(0x501);
  });
});

describe('Get Phase', () => {
  it('reads the address little-endian and an empty info in U-Boot', async () => {
    const r = await getPhaseSpec.exchange(new ScriptIo('05 00 00 00 00 c0 00 79'));
    expect(r).toEqual({ phase: 0x00, address: 0xc0000000, info: Buffer.alloc(0) });
  });

  it("reads the ROM code's L = 1 info byte instead of assuming L = 0", async () => {
    const io = new ScriptIo('06 01 00 24 fc 2f 01 00 79');
    const r = await getPhaseSpec.exchange(io);
    expect(r.phase).toBe(0x01);
    expect(r.address).toBe(0x2ffc2400);
    expect(r.info.toString('hex')).toBe('00');
    expect(io.remainingHex).toBe('');
  });

  it('reads the error message of phase 0xFF', async () => {
    const text = Buffer.from('OTP write issue -5').toString('hex');
    const r = await getPhaseSpec.exchange(new ScriptIo(`17 ff ff ff ff ff 12 ${text} 79`));
    expect(r.phase).toBe(0xff);
    expect(r.info.toString()).toBe('OTP write issue -5');
  });

  it('rejects a count byte that disagrees with the info length', () => {
    expect(() => decodeGetPhase(5, Buffer.from('01002400fc2f0100', 'hex'))).toThrow(/5 \+ L/);
  });
});

describe('Read Memory', () => {
  it('sends the address and length, and reads the data after the second ACK', async () => {
    const io = new ScriptIo('79 79 de ad be ef');
    const data = await readMemorySpec.exchange(io, 0x2ffc0000, 4);
    expect(io.sentHex).toBe('2ffc0000d3 03fc');
    expect(data.toString('hex')).toBe('deadbeef');
  });
});

describe('Read Partition', () => {
  it('sends partition+offset+XOR then N-1 and reads ACK + N bytes with no ACK in between', async () => {
    const io = new ScriptIo(`79 79 ${'ab'.repeat(8)}`);
    const data = await readPartitionSpec.exchange(io, 0xf2, 768, 8);
    expect(io.sentHex).toBe('f200000300f1 07f8');
    expect(data.toString('hex')).toBe('ab'.repeat(8));
    expect(io.remainingHex).toBe('');
  });

  it('turns an ABORT after the length into an AbortError', async () => {
    await expect(readPartitionSpec.exchange(new ScriptIo('79 5f'), 0xf2, 0, 256)).rejects.toBeInstanceOf(AbortError);
  });

  it('turns a NACK of a bad address checksum into a NackError and sends nothing more', async () => {
    const io = new ScriptIo('1f');
    await expect(readPartitionSpec.exchange(io, 0xf2, 0, 256)).rejects.toBeInstanceOf(NackError);
    expect(io.sent.length).toBe(1);
  });

  it('waits for the address ACK before the length when the link is lock-step', async () => {
    const io = new ScriptIo(`79 79 ${'ab'.repeat(8)}`, Infinity, false);
    await readPartitionSpec.exchange(io, 0xf2, 768, 8);
    expect(io.order).toEqual(['tx:f200000300f1', 'rx:79', 'tx:07f8', 'rx:79', `rx:${'ab'.repeat(8)}`]);
  });

  it('sends the length right after the address when the link may send ahead', async () => {
    const io = new ScriptIo(`79 79 ${'ab'.repeat(256)}`, Infinity, true);
    await readPartitionSpec.exchange(io, 0xf2, 0, 256);
    expect(io.order).toEqual(['tx:f200000000f2', 'tx:ff00', 'rx:79', 'rx:79', `rx:${'ab'.repeat(256)}`]);
  });

  it('still reports the NACK of the address after a length sent ahead', async () => {
    const io = new ScriptIo('1f', Infinity, true);
    await expect(readPartitionSpec.exchange(io, 0xf2, 0, 8)).rejects.toBeInstanceOf(NackError);
    expect(io.sentHex).toBe('f200000000f2 07f8');
  });

  it('keeps lock-step for lengths that would be a command (or a sync) if the address were NACKed', async () => {
    for (const length of [1, 2, 3, 4, 18, 19, 34, 50, 128]) {
      const io = new ScriptIo('1f', Infinity, true);
      await expect(readPartitionSpec.exchange(io, 0xf2, 0, length)).rejects.toBeInstanceOf(NackError);
      expect(io.sentHex, `length ${length}`).toBe('f200000000f2');
    }
  });
});

describe('lengthMayGoAhead', () => {
  it('refuses exactly the lengths whose N-1 is a U-Boot command code or 0x7F', () => {
    const refused = Array.from({ length: 256 }, (_, i) => i + 1).filter((n) => !lengthMayGoAhead(n));
    expect(refused).toEqual([1, 2, 3, 4, 18, 19, 34, 50, 128]);
  });
});

describe('Download', () => {
  it('sends the address, then length + data + checksum as one frame', async () => {
    const io = new ScriptIo('79 79', 99);
    await downloadSpec.exchange(io, 0xf2, 1, Buffer.from([0x11, 0x22]));
    expect(io.sentHex).toBe('f2000001f3 01112232');
  });

  it('stops without sending the packet when the device already NACKed an unsupported target', async () => {
    const io = new ScriptIo('79 1f', 1);
    const err = await failure(downloadSpec.exchange(io, 0x42, 0, Buffer.from([1])));
    expect(err).toBeInstanceOf(NackError);
    expect((err as NackError).details.retry).toBe(false);
    expect(downloadSpec.retry(err as NackError)).toBe(false);
    expect(io.sent.length).toBe(1);
  });

  it('reports a NACKed packet as retryable and an ABORTed one as not', async () => {
    const nack = await failure(downloadSpec.exchange(new ScriptIo('79 1f', 99), 0xf2, 0, Buffer.from([1])));
    expect(downloadSpec.retry(nack)).toBe(true);
    const abort = await failure(downloadSpec.exchange(new ScriptIo('79 5f', 99), 0xf2, 0, Buffer.from([1])));
    expect(abort).toBeInstanceOf(AbortError);
    expect(downloadSpec.retry(abort)).toBe(false);
  });
});

describe('Start', () => {
  it('sends the address big-endian with its XOR and never allows a retry', async () => {
    const io = new ScriptIo('79');
    await startSpec.exchange(io, 0xf2);
    expect(io.sentHex).toBe('000000f2f2');
    const err = await failure(startSpec.exchange(new ScriptIo('5f'), 0xf2));
    expect(err).toBeInstanceOf(AbortError);
    expect(startSpec.retry(err)).toBe(false);
    expect(startSpec.retry(new NackError('x'))).toBe(false);
  });
});
