import type { CaptureChunk } from '../../src/capture/format.js';

/** Builds chunks from `['tx', 'hex'], ['rx', 'hex']` pairs, 1 ms apart (µs timestamps). */
export function chunks(...parts: [dir: 'tx' | 'rx', hex: string][]): CaptureChunk[] {
  return parts.map(([dir, hex], i) => ({ t: i * 1000, dir, data: Buffer.from(hex.replace(/\s+/g, ''), 'hex') }));
}

/** The worked OTP read of an5275-uart.md: offsets 0, 256, 512, 768 of a 776-byte structure. */
export function otpReadExchange(structure: Buffer): [dir: 'tx' | 'rx', hex: string][] {
  const parts: [dir: 'tx' | 'rx', hex: string][] = [];
  const addr = ['f2 00 00 00 00 f2', 'f2 00 00 01 00 f3', 'f2 00 00 02 00 f0', 'f2 00 00 03 00 f1'];
  for (let k = 0; k < 4; k++) {
    const n = k < 3 ? 256 : 8;
    parts.push(['tx', '12 ed'], ['rx', '79'], ['tx', addr[k]!], ['rx', '79'], ['tx', k < 3 ? 'ff 00' : '07 f8']);
    parts.push(['rx', `79${structure.subarray(k * 256, k * 256 + n).toString('hex')}`]);
  }
  return parts;
}

/**
 * The same OTP read as the link sends it by default: each Read Partition length right after its
 * address, before the address ACK (U-Boot reads on without draining, an5275-uart.md "Read Partition").
 */
export function otpReadExchangeAhead(structure: Buffer): [dir: 'tx' | 'rx', hex: string][] {
  const parts: [dir: 'tx' | 'rx', hex: string][] = [];
  const addr = ['f2 00 00 00 00 f2', 'f2 00 00 01 00 f3', 'f2 00 00 02 00 f0', 'f2 00 00 03 00 f1'];
  for (let k = 0; k < 4; k++) {
    const n = k < 3 ? 256 : 8;
    parts.push(['tx', '12 ed'], ['rx', '79'], ['tx', addr[k]!], ['tx', k < 3 ? 'ff 00' : '07 f8'], ['rx', '79']);
    parts.push(['rx', `79${structure.subarray(k * 256, k * 256 + n).toString('hex')}`]);
  }
  return parts;
}

/** Download of `data` to `op` in packets of 256 (an5275-uart.md "Download"), each ACKed. */
export function downloadExchange(op: number, data: Buffer): [dir: 'tx' | 'rx', hex: string][] {
  const parts: [dir: 'tx' | 'rx', hex: string][] = [];
  for (let p = 0, off = 0; off < data.length; p++, off += 256) {
    const body = data.subarray(off, off + 256);
    const addr = Buffer.from([op, (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff, 0]);
    addr[4] = addr[0]! ^ addr[1]! ^ addr[2]! ^ addr[3]!;
    let x = body.length - 1;
    for (const b of body) x ^= b;
    const pkt = Buffer.concat([Buffer.from([body.length - 1]), body, Buffer.from([x])]);
    parts.push(['tx', '31 ce'], ['rx', '79'], ['tx', addr.toString('hex')], ['rx', '79'], ['tx', pkt.toString('hex')], ['rx', '79']);
  }
  return parts;
}
