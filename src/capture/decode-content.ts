import { Command, COMMAND_NAMES, DEFAULT_ADDRESS, Phase, phaseName, socFromProductId } from '../protocol/constants.js';
import type { AnswerContent } from './decode-types.js';

/**
 * Pure helpers of the capture decoder: the content of the query answers and the words of the
 * summaries. Kept apart from the state machine so that the machine stays a flat loop over bytes.
 */

export function hex2(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

export function hex8(n: number): string {
  return `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** 0x40 → "4.0" (AN3155 version byte: major nibble, minor nibble). */
export function versionText(b: number): string {
  return `${b >> 4}.${b & 0x0f}`;
}

/** Name of a phase / partition id for summaries ("0xF2 (OTP)"). */
export function phaseLabel(id: number): string {
  return `${hex2(id)} (${phaseName(id)})`;
}

/** Meaning of a Start address (an5275-uart.md "Start (0x21)", `stm32prog_start`). */
export function startMeaning(address: number): string {
  if (address === DEFAULT_ADDRESS) return 'finish the current phase / jump to the loaded image';
  if (address === Phase.OTP) return 'program the OTP structure';
  if (address === Phase.PMIC) return 'program the PMIC NVM';
  if (address === Phase.END) return 'set phase END';
  if (address === Phase.RESET) return 'set phase RESET';
  if (address < 0x100) return `finish phase ${phaseLabel(address)}`;
  return `jump to ${hex8(address)}`;
}

/**
 * Content of the answer to Get / Get ID / Get Phase: `body` is the bytes between the count byte and
 * the final ACK (count + 1 of them).
 */
export function decodeCountedAnswer(code: number, body: Buffer): AnswerContent | undefined {
  if (code === Command.GET) {
    if (body.length < 1) return { type: 'malformed', reason: 'empty Get answer' };
    const commands = [...body.subarray(1)];
    return { type: 'get', protocol: versionText(body[0]!), commands, commandNames: commands.map((c) => COMMAND_NAMES[c] ?? hex2(c)) };
  }
  if (code === Command.GET_ID) {
    if (body.length !== 2) return { type: 'malformed', reason: `Get ID carries ${body.length} bytes, expected 2` };
    const productId = body.readUInt16BE(0);
    const soc = socFromProductId(productId);
    return soc ? { type: 'get-id', productId, soc } : { type: 'get-id', productId };
  }
  if (code === Command.GET_PHASE) {
    // `5+L PH A0..A3 L info[L]`: the address is little-endian (serial-boot.md, an5275-uart.md).
    if (body.length < 6) return { type: 'malformed', reason: `Get Phase carries ${body.length} bytes, expected at least 6` };
    const l = body[5]!;
    if (body.length !== 6 + l) return { type: 'malformed', reason: `Get Phase info length ${l} does not match the count byte (${body.length - 1} = 5 + L expected)` };
    const phase = body[0]!;
    return { type: 'get-phase', phase, phaseName: phaseName(phase), address: body.readUInt32LE(1), info: body.toString('latin1', 6) };
  }
  return undefined;
}

export function describeContent(c: AnswerContent): string {
  switch (c.type) {
    case 'get':
      return `protocol ${c.protocol}, ${c.commands.length} commands: ${c.commandNames.join(', ')}`;
    case 'get-version':
      return c.form === '3-byte'
        ? `version ${c.version}, option bytes ${c.optionBytes!.map(hex2).join(' ')} (3-byte form: ROM code)`
        : `version ${c.version} (1-byte form: TF-A / U-Boot)`;
    case 'get-id':
      return `product id 0x${c.productId.toString(16).padStart(4, '0')} (${c.soc ?? 'unknown SoC'})`;
    case 'get-phase':
      return `phase ${phaseLabel(c.phase)}, address ${hex8(c.address)}${c.info ? `, info ${JSON.stringify(c.info)}` : ''}`;
    case 'malformed':
      return `malformed: ${c.reason}`;
  }
}

/** Printable ASCII plus CR, LF, TAB: what a boot log is made of. */
export function isTextByte(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09;
}

/** A short quoted rendering of text for summaries. */
export function quoteText(text: string, max = 80): string {
  const q = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${q}…` : q;
}

export function durationText(us: number): string {
  return us >= 1_000_000 ? `${(us / 1_000_000).toFixed(3)} s` : `${(us / 1000).toFixed(1)} ms`;
}
