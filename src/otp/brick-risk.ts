import type { SocFamily } from '../protocol/constants.js';
import { fieldMask, hexN, isBitSet, readField } from './bits.js';
import {
  MP13_CFG0_FIELD,
  MP13_CFG0_STATES,
  MP15_CFG3_FIELDS,
  MP15_CLOSED_BIT,
  MP15_UART_BOOT_DISABLE_BIT,
  MP15_USB_BOOT_DISABLE_BIT,
  NAMED_WORD_IDS,
} from './named-tables.js';
import type { PlannedWord, WriteRequest } from './request.js';

/**
 * Writes that end more than a word's freedom (shared/spec/otp-structure.md "Writes that can brick a
 * board"). The operation refuses them without an explicit --force; each risk says in plain words
 * what the board loses.
 */
export const BRICK_RISK_CODES = [
  'CLOSE_DEVICE',
  'CFG0_INVALID',
  'UART_BOOT_DISABLED',
  'USB_BOOT_DISABLED',
  'UART_INSTANCES_DISABLED',
  'LOCK_ZERO_WORD',
] as const;
export type BrickRiskCode = (typeof BRICK_RISK_CODES)[number];

export interface BrickRisk {
  word: number;
  code: BrickRiskCode;
  description: string;
}

function newlySet(p: PlannedWord, bit: number): boolean {
  return isBitSet(p.bitsToSet, bit);
}

function cfg0Risks(p: PlannedWord, soc: SocFamily): BrickRisk[] {
  if (soc === 'STM32MP15') {
    return newlySet(p, MP15_CLOSED_BIT)
      ? [{ word: p.id, code: 'CLOSE_DEVICE', description: 'sets word 0 bit 6 and closes the device: from then on only signed images boot, and without them the board never boots again' }]
      : [];
  }
  const before = readField(p.currentValue, MP13_CFG0_FIELD);
  const after = readField(p.newValue, MP13_CFG0_FIELD);
  if (before === after) return [];
  const known = MP13_CFG0_STATES[after as keyof typeof MP13_CFG0_STATES];
  if (!known) {
    return [{ word: p.id, code: 'CFG0_INVALID', description: `makes word 0 bits 9:0 ${hexN(after)}, a value TF-A treats as invalid: the board refuses to boot` }];
  }
  return known.closed
    ? [{ word: p.id, code: 'CLOSE_DEVICE', description: `makes word 0 bits 9:0 ${hexN(after)} (${known.text}): the device is closed, only signed images boot, and without them the board never boots again` }]
    : [];
}

function cfg3Risks(p: PlannedWord): BrickRisk[] {
  const out: BrickRisk[] = [];
  if (newlySet(p, MP15_UART_BOOT_DISABLE_BIT)) {
    out.push({ word: p.id, code: 'UART_BOOT_DISABLED', description: 'sets word 3 bit 20 and disables the UART boot source: this tool can never reach the board again' });
  }
  if (newlySet(p, MP15_USB_BOOT_DISABLE_BIT)) {
    out.push({ word: p.id, code: 'USB_BOOT_DISABLED', description: 'sets word 3 bit 21 and disables the USB boot source: the board can no longer be programmed over USB' });
  }
  const field = MP15_CFG3_FIELDS.uartInstancesDisable;
  const after = readField(p.newValue, field);
  if ((p.bitsToSet & fieldMask(field)) !== 0 && after !== 0 && after !== 0xff) {
    out.push({
      word: p.id,
      code: 'UART_INSTANCES_DISABLED',
      description: `makes word 3 bits 14:7 ${hexN(after, 2)}, which disables UART instances for serial boot, possibly the one in use`,
    });
  }
  return out;
}

/** Every brick risk of a write request, in word order. */
export function findBrickRisks(request: WriteRequest, soc: SocFamily): BrickRisk[] {
  const ids = NAMED_WORD_IDS[soc];
  const out: BrickRisk[] = [];
  for (const p of request.words) {
    if (p.alreadyDone) continue;
    if (p.id === ids.cfg0) out.push(...cfg0Risks(p, soc));
    if (p.id === ids.bootCfg3) out.push(...cfg3Risks(p));
    if (p.locksToAdd.includes('permanent-lock') && p.newValue === 0) {
      out.push({ word: p.id, code: 'LOCK_ZERO_WORD', description: `permanently locks word ${p.id} while its value is 0: nothing can ever be written there` });
    }
  }
  return out;
}
