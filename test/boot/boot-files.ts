import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildFip } from '../../src/boot/fip.js';
import { buildStm32Image } from '../../src/boot/stm32-image.js';
import type { SocFamily } from '../../src/protocol/constants.js';

/**
 * Small, deterministic boot files for tests: a TF-A-like STM32 image (valid header), a FIP with one
 * entry, and the flashlayout naming them. test/fixtures/boot/ holds the MP15 set (the capture's
 * command line points there); `boot-files.test.ts` checks it still equals what this makes.
 */
export const FSBL_NAME = 'tf-a-emulated.stm32';
export const FIP_NAME = 'fip-emulated.bin';
export const LAYOUT_NAME = 'FlashLayout.tsv';

export interface BootFiles {
  dir: string;
  layoutPath: string;
  fsblPath: string;
  fipPath: string;
  fsbl: Buffer;
  fip: Buffer;
  layout: Buffer;
}

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function makeBootImages(soc: SocFamily = 'STM32MP15'): { fsbl: Buffer; fip: Buffer; layout: Buffer } {
  // 3000 + 256 bytes: 12 full packets and a short last one (216 bytes), as a real image would end.
  const fsbl = buildStm32Image({ soc, payload: pattern(3000, 1) });
  const fip = buildFip(pattern(2000, 2));
  const layout = Buffer.from(
    [
      '#Opt\tId\tName\tType\tIP\tOffset\tBinary',
      `-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\t${FSBL_NAME}`,
      `-\t0x03\tfip-boot\tFIP\tnone\t0x0\t${FIP_NAME}`,
      '',
    ].join('\n'),
  );
  return { fsbl, fip, layout };
}

export function writeBootFiles(dir: string, soc: SocFamily = 'STM32MP15'): BootFiles {
  mkdirSync(dir, { recursive: true });
  const { fsbl, fip, layout } = makeBootImages(soc);
  const files = { layoutPath: path.join(dir, LAYOUT_NAME), fsblPath: path.join(dir, FSBL_NAME), fipPath: path.join(dir, FIP_NAME) };
  writeFileSync(files.layoutPath, layout);
  writeFileSync(files.fsblPath, fsbl);
  writeFileSync(files.fipPath, fip);
  return { dir, ...files, fsbl, fip, layout };
}
