import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIP_NAME, FSBL_NAME, LAYOUT_NAME, makeBootImages } from './boot-files.js';

const fixtures = fileURLToPath(new URL('../fixtures/boot/', import.meta.url));

describe('boot fixtures', () => {
  it('test/fixtures/boot holds exactly the MP15 files the helper generates (the capture replays them)', () => {
    const made = makeBootImages('STM32MP15');
    expect(readFileSync(path.join(fixtures, FSBL_NAME)).equals(made.fsbl)).toBe(true);
    expect(readFileSync(path.join(fixtures, FIP_NAME)).equals(made.fip)).toBe(true);
    expect(readFileSync(path.join(fixtures, LAYOUT_NAME)).equals(made.layout)).toBe(true);
  });
});
