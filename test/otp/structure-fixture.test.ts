import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderOtpText } from '../../src/cli/render/otp-text.js';
import { STATUS_FLAGS } from '../../src/otp/status.js';
import { encodeOtpStructure } from '../../src/otp/structure.js';
import { FIXTURE_DISPLAY, fixture, fixtureBytes } from './helpers.js';

interface DisplayedWord {
  id: number;
  value: number;
  status: number;
  bits: { bit: number; label: string }[];
}

/**
 * Parses the vendor display of the DK2 fixture. Its whitespace is irregular (non-breaking spaces in
 * the header, shifted columns on words 38, 52 and 93, a trailing space on word 21), so lines are
 * matched on their tokens, never on columns.
 */
function parseDisplay(text: string): DisplayedWord[] {
  const words: DisplayedWord[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\u00a0/g, ' ');
    const w = /^\s*(\d{2})\s*\|\s*0x([0-9A-Fa-f]{8})\s*\|\s*0x([0-9A-Fa-f]{8})\s*$/.exec(line);
    if (w) {
      words.push({ id: Number(w[1]), value: parseInt(w[2]!, 16), status: parseInt(w[3]!, 16), bits: [] });
      continue;
    }
    const f = /^\s*\|_\[(\d{2})\]\s*(.*?)\s*$/.exec(line);
    if (f) words.at(-1)!.bits.push({ bit: Number(f[1]), label: f[2]! });
  }
  return words;
}

const display = readFileSync(FIXTURE_DISPLAY, 'utf8');
const displayed = parseDisplay(display);

describe('the DK2 fixture against the vendor display', () => {
  it('parses 96 words from the display, ids 0 to 95 in order', () => {
    expect(displayed.map((w) => w.id)).toEqual(Array.from({ length: 96 }, (_, i) => i));
  });

  it('decodes version 2, global state 0 (Secure Open) and 96 words', () => {
    const s = fixture();
    expect(s.version).toBe(2);
    expect(s.globalState).toBe(0);
    expect(display).toMatch(/State\s*:\s*Secure Open/);
    expect(s.words).toHaveLength(96);
  });

  it.each(displayed.map((w) => [w.id, w] as const))('decodes word %i with the value, status and status bits the vendor shows', (id, shown) => {
    const w = fixture().words[id]!;
    expect(w.id).toBe(id);
    expect(w.value).toBe(shown.value);
    expect(w.status).toBe(shown.status);
    const listed = STATUS_FLAGS.filter((f) => shown.bits.some((b) => b.bit === f.bit));
    expect(w.flags).toEqual(listed.map((f) => f.flag));
    // The vendor's label of each bit is ours too.
    for (const b of shown.bits) expect(STATUS_FLAGS.find((f) => f.bit === b.bit)?.label).toBe(b.label);
  });

  it('holds the values the spec quotes for words 0, 1, 7 and 59', () => {
    const w = fixture().words;
    expect([w[0]!.value, w[0]!.status]).toEqual([0x17, 0x30000000]);
    expect([w[1]!.value, w[1]!.status]).toEqual([0x8000, 0x50000000]);
    expect([w[7]!.value, w[7]!.flags]).toEqual([0xdeadbeef, ['permanent-lock']]);
    expect(w[59]!.value).toBe(0x12722301);
  });

  it('encodes back to the same 776 bytes', () => {
    const bytes = fixtureBytes();
    expect(bytes.length).toBe(776);
    expect(encodeOtpStructure(fixture()).equals(bytes)).toBe(true);
  });

  it('renders the same display as the vendor tool, token for token, without the undefined "Encrypted data" line', () => {
    const norm = (t: string): string[] =>
      t
        .split('\n')
        .map((l) => l.replace(/[\s\u00a0]+/g, ' ').trim())
        .filter((l) => l !== '' && !l.startsWith('|_ Encrypted data'));
    const ours = norm(renderOtpText(fixture(), 'STM32MP15', { named: false }));
    expect(ours).toEqual(norm(display));
  });
});
