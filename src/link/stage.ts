import { Command, Phase, type Stage } from '../protocol/constants.js';

/**
 * Which program answers, from what it says (serial-boot.md): only U-Boot lists Read Partition
 * (0x12); the ROM code alone sends option bytes with Get Version; otherwise Get Phase tells the ROM
 * (0x01, FSBL) from TF-A (0x03, SSBL). Undefined when the facts given cannot tell.
 */
export function inferStage(facts: { commands?: readonly number[]; optionBytes?: Buffer; phase?: number }): Stage | undefined {
  if (facts.commands?.includes(Command.READ_PARTITION)) return 'u-boot';
  if (facts.optionBytes && facts.optionBytes.length > 0) return 'rom';
  if (facts.commands === undefined) return undefined;
  if (facts.phase === Phase.FSBL) return 'rom';
  if (facts.phase === Phase.SSBL) return 'tf-a';
  return undefined;
}

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  rom: 'ROM code',
  'tf-a': 'TF-A',
  'u-boot': 'U-Boot stm32prog',
} as const;
