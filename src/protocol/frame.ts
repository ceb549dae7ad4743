import { AbortError, LinkError, NackError } from '../errors.js';
import { MAX_PACKET_BYTES, Reply } from './constants.js';

/**
 * Pure AN5275 frame encoders and answer decoders (an5275-uart.md "Commands"). Every multi-byte value
 * the host sends is big-endian and followed by the XOR of its bytes; lengths go as N-1.
 */

export function hex8(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** XOR of every byte (the checksum of addresses and Download packets). */
export function xorChecksum(bytes: Iterable<number>, seed = 0): number {
  let x = seed & 0xff;
  if (bytes instanceof Uint8Array) {
    // Indexed loop: no iterator object per packet (the host's per-packet CPU, issue 10).
    for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
    return x;
  }
  for (const b of bytes) x ^= b;
  return x;
}

/** `code ~code`: a command byte and its complement. */
export function encodeCommand(code: number): Buffer {
  return Buffer.from([code & 0xff, ~code & 0xff]);
}

/** `A3 A2 A1 A0 X`: a 32-bit address big-endian, then the XOR of its four bytes. */
export function encodeAddress(address: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeUInt32BE(address >>> 0, 0);
  out[4] = xorChecksum(out.subarray(0, 4));
  return out;
}

/** `N-1 ~(N-1)`: a read length (1..256) and its complement (Read Memory, Read Partition). */
export function encodeLength(length: number): Buffer {
  checkLength(length);
  return Buffer.from([length - 1, ~(length - 1) & 0xff]);
}

/** `N-1 data X`: a Download packet, X = (N-1) XOR every data byte; sent as ONE write (30 ms window). */
export function encodePacket(data: Uint8Array): Buffer {
  checkLength(data.length);
  const out = Buffer.allocUnsafe(data.length + 2); // every byte is written below
  out[0] = data.length - 1;
  out.set(data, 1);
  out[out.length - 1] = xorChecksum(data, data.length - 1);
  return out;
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_PACKET_BYTES) {
    throw new RangeError(`length must be 1..${MAX_PACKET_BYTES}, got ${length}`);
  }
}

export type ReplyKind = 'ACK' | 'NACK' | 'ABORT';

/** The meaning of one result byte, or undefined for any other byte. */
export function replyKind(byte: number): ReplyKind | undefined {
  if (byte === Reply.ACK) return 'ACK';
  if (byte === Reply.NACK) return 'NACK';
  if (byte === Reply.ABORT) return 'ABORT';
  return undefined;
}

/**
 * Checks a result byte: ACK returns; NACK and ABORT throw their typed errors; any other byte is a
 * protocol error carrying the byte (probe-rs `Status::from_byte` style: three results, no guessing).
 */
export function checkAck(byte: number, what: string): void {
  switch (replyKind(byte)) {
    case 'ACK':
      return;
    case 'NACK':
      throw new NackError(`the board answered NACK to ${what}`, { step: what });
    case 'ABORT':
      throw new AbortError(`the board answered ABORT to ${what}`, { step: what });
    default:
      throw protocolError(`expected ACK to ${what}, got ${hex8(byte)}`, { step: what, byte });
  }
}

export function protocolError(message: string, details: Record<string, unknown>): LinkError {
  return new LinkError('PROTOCOL', message, { details });
}

/** "4.0" from 0x40: the high nibble is the major version (AN3155 convention). */
export function formatVersion(byte: number): string {
  return `${byte >> 4}.${byte & 0x0f}`;
}
