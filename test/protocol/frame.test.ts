import { describe, expect, it } from 'vitest';
import { AbortError, LinkError, NackError } from '../../src/errors.js';
import { checkAck, encodeAddress, encodeCommand, encodeLength, encodePacket, formatVersion, replyKind, xorChecksum } from '../../src/protocol/frame.js';
import { encodeDownloadAddress } from '../../src/protocol/download.js';
import { encodePartitionAddress } from '../../src/protocol/read-partition.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('frame encoders', () => {
  it('sends every command as its code and complement', () => {
    expect(hex(encodeCommand(0x00))).toBe('00ff');
    expect(hex(encodeCommand(0x12))).toBe('12ed');
    expect(hex(encodeCommand(0x31))).toBe('31ce');
    expect(hex(encodeCommand(0x21))).toBe('21de');
  });

  it('sends an address big-endian followed by the XOR of its bytes', () => {
    expect(hex(encodeAddress(0x000000f2))).toBe('000000f2f2');
    expect(hex(encodeAddress(0xffffffff))).toBe('ffffffff00');
    expect(hex(encodeAddress(0xc0000000))).toBe('c0000000c0');
    expect(hex(encodeAddress(0x12345678))).toBe('1234567808');
  });

  it('sends a length as N-1 and its complement', () => {
    expect(hex(encodeLength(256))).toBe('ff00');
    expect(hex(encodeLength(8))).toBe('07f8');
    expect(hex(encodeLength(1))).toBe('00ff');
    expect(() => encodeLength(0)).toThrow(RangeError);
    expect(() => encodeLength(257)).toThrow(RangeError);
  });

  it('builds a Download packet as N-1, the data, and the XOR of both', () => {
    expect(hex(encodePacket(Buffer.from([0x01, 0x02, 0x03])))).toBe('0201020302');
    const full = encodePacket(Buffer.alloc(256, 0xaa));
    expect(full.length).toBe(258);
    expect(full[0]).toBe(0xff);
    expect(full[257]).toBe(0xff); // 0xFF XOR 256 × 0xAA (an even count cancels out)
    expect(hex(encodePacket(Buffer.from([0x00])))).toBe('000000');
  });

  it('encodes the Read Partition address of the worked example in the spec', () => {
    expect(hex(encodePartitionAddress(0xf2, 0))).toBe('f200000000f2');
    expect(hex(encodePartitionAddress(0xf2, 256))).toBe('f200000100f3');
    expect(hex(encodePartitionAddress(0xf2, 512))).toBe('f200000200f0');
    expect(hex(encodePartitionAddress(0xf2, 768))).toBe('f200000300f1');
  });

  it('encodes a Download address as OP, a 24-bit packet number and the XOR', () => {
    expect(hex(encodeDownloadAddress(0xf2, 0))).toBe('f2000000f2');
    expect(hex(encodeDownloadAddress(0xf2, 3))).toBe('f2000003f1');
    expect(hex(encodeDownloadAddress(0x00, 0x010203))).toBe('0001020300');
    expect(() => encodeDownloadAddress(0x00, 0x1000000)).toThrow(RangeError);
  });

  it('computes the XOR checksum with an optional seed', () => {
    expect(xorChecksum([0xf2, 0, 0, 1, 0])).toBe(0xf3);
    expect(xorChecksum([0x0f], 0xf0)).toBe(0xff);
  });
});

describe('answer decoding', () => {
  it('tells ACK, NACK and ABORT apart and nothing else', () => {
    expect(replyKind(0x79)).toBe('ACK');
    expect(replyKind(0x1f)).toBe('NACK');
    expect(replyKind(0x5f)).toBe('ABORT');
    expect(replyKind(0x7f)).toBeUndefined();
  });

  it('turns NACK, ABORT and stray bytes into three distinct typed errors', () => {
    expect(() => checkAck(0x79, 'x')).not.toThrow();
    expect(() => checkAck(0x1f, 'the address')).toThrow(NackError);
    expect(() => checkAck(0x5f, 'the packet')).toThrow(AbortError);
    try {
      checkAck(0x42, 'the length');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LinkError);
      expect((err as LinkError).code).toBe('PROTOCOL');
      expect((err as LinkError).details.byte).toBe(0x42);
    }
  });

  it('formats versions as major.minor from the nibbles', () => {
    expect(formatVersion(0x40)).toBe('4.0');
    expect(formatVersion(0x03)).toBe('0.3');
    expect(formatVersion(0x10)).toBe('1.0');
  });
});
