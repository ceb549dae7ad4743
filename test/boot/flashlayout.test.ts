import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlashlayout, serialBootRows } from '../../src/boot/flashlayout.js';
import { InputError } from '../../src/errors.js';

// The shape of ST's FlashLayout_sdcard_stm32mp157c-dk2-optee.tsv (Starter Package), shortened.
const ST_LAYOUT = [
  '#Opt\tId\tName\tType\tIP\tOffset\tBinary',
  '-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a-stm32mp157c-dk2-usb.stm32',
  '-\t0x03\tfip-boot\tFIP\tnone\t0x0\tfip/fip-stm32mp157c-dk2-optee.bin',
  'P\t0x04\tfsbl1\tBinary\tmmc0\t0x00004400\ttf-a-stm32mp157c-dk2-sdcard.stm32',
  'P\t0x05\tfsbl2\tBinary\tmmc0\t0x00044400\ttf-a-stm32mp157c-dk2-sdcard.stm32',
  'PD\t0x06\tmetadata1\tFWU_MDATA\tmmc0\t0x00084400\tmetadata.bin',
  'P\t0x10\tfip-a\tFIP\tmmc0\t0x00104400\tfip/fip-stm32mp157c-dk2-optee.bin',
  'PED\t0x11\tu-boot-env\tENV\tmmc0\t0x00504400\tnone',
  'P\t0x21\tbootfs\tSystem\tmmc0\t0x00604400\tst-image-bootfs.ext4',
  '',
].join('\r\n');

function refusal(text: string): InputError {
  try {
    parseFlashlayout(text, '/layouts/FlashLayout.tsv');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('LAYOUT_INVALID');
    return err as InputError;
  }
  throw new Error('expected LAYOUT_INVALID');
}

describe('flashlayout TSV', () => {
  it('parses every row of an ST layout with CRLF endings, hex ids and paths relative to the TSV', () => {
    const layout = parseFlashlayout(ST_LAYOUT, '/layouts/FlashLayout.tsv');
    expect(layout.rows.map((r) => [r.line, r.option, r.id, r.name, r.type, r.ip, r.offset])).toEqual([
      [2, '-', 0x01, 'fsbl-boot', 'Binary', 'none', '0x0'],
      [3, '-', 0x03, 'fip-boot', 'FIP', 'none', '0x0'],
      [4, 'P', 0x04, 'fsbl1', 'Binary', 'mmc0', '0x00004400'],
      [5, 'P', 0x05, 'fsbl2', 'Binary', 'mmc0', '0x00044400'],
      [6, 'PD', 0x06, 'metadata1', 'FWU_MDATA', 'mmc0', '0x00084400'],
      [7, 'P', 0x10, 'fip-a', 'FIP', 'mmc0', '0x00104400'],
      [8, 'PED', 0x11, 'u-boot-env', 'ENV', 'mmc0', '0x00504400'],
      [9, 'P', 0x21, 'bootfs', 'System', 'mmc0', '0x00604400'],
    ]);
    expect(layout.rows[1]!.binaryPath).toBe(path.resolve('/layouts/fip/fip-stm32mp157c-dk2-optee.bin'));
    expect(layout.rows[6]!.binary).toBeUndefined();
  });

  it('picks the serial-boot rows: 0x01 for the ROM and 0x03 for TF-A', () => {
    const rows = serialBootRows(parseFlashlayout(ST_LAYOUT, '/layouts/FlashLayout.tsv'));
    expect(rows.fsbl.binaryPath).toBe(path.resolve('/layouts/tf-a-stm32mp157c-dk2-usb.stm32'));
    expect(rows.ssbl.binaryPath).toBe(path.resolve('/layouts/fip/fip-stm32mp157c-dk2-optee.bin'));
  });

  it('skips comments, empty lines and runs of tabs as U-Boot does', () => {
    const layout = parseFlashlayout('# a comment\n\n-\t\t0x01\tfsbl-boot\tBinary\tnone\t0x0\t\ta.stm32\n', '/x/L.tsv');
    expect(layout.rows).toHaveLength(1);
    expect(layout.rows[0]!).toMatchObject({ line: 3, binary: 'a.stm32' });
  });

  it('names the file and line of a malformed row and says what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['-  0x01  fsbl-boot  Binary  none  0x0  a.stm32', /FlashLayout\.tsv:2: 1 column\(s\).*spaces instead of tabs/],
      ['X\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32', /:2: option 'X' is not one of -, P, E, PE, PD, PED, D/],
      ['-\t01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32', /:2: id '01' is not a hex partition id/],
      ['-\t0xF5\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32', /:2: id 0xF5 is outside 0x01\.\.0xf0/],
      ['-\t0x01\tfsbl-boot\tBlob\tnone\t0x0\ta.stm32', /:2: type 'Blob'/],
      ['-\t0x01\tfsbl-boot\tBinary\tusb0\t0x0\ta.stm32', /:2: IP 'usb0'/],
      ['-\t0x01\tfsbl-boot\tBinary\tnone\tzero\ta.stm32', /:2: offset 'zero'/],
      ['-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32\textra', /:2: 8 columns/],
    ];
    for (const [row, message] of cases) {
      const err = refusal(`#Opt\tId\tName\tType\tIP\tOffset\tBinary\n${row}\n`);
      expect(err.message).toMatch(message);
      expect(err.details).toEqual({ file: '/layouts/FlashLayout.tsv', line: 2 });
    }
  });

  it('refuses a header whose columns are not ST\'s, naming the file, the line and the column', () => {
    const rows = '-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32\n';
    const cases: [string, RegExp][] = [
      ['#Opt\tIdent\tName\tType\tIP\tOffset\tBinary', /FlashLayout\.tsv:2: header column 2 is 'Ident', expected 'Id'/],
      ['#Opt\tId\tName\tIP\tType\tOffset\tBinary', /:2: header column 4 is 'IP', expected 'Type'/],
      ['#Opt\tId\tName\tType\tIP\tOffset', /:2: header column 7 \(Binary\) is missing/],
      ['#Opt\tId\tName\tType\tIP\tOffset\tBinary\tComment', /:2: header has 8 columns, expected 7/],
    ];
    for (const [header, message] of cases) {
      // A comment line may come before the header.
      const err = refusal(`# generated\n${header}\n${rows}`);
      expect(err.message).toMatch(message);
      expect(err.details).toEqual({ file: '/layouts/FlashLayout.tsv', line: 2 });
    }
  });

  it('accepts the header without case, with spaces or runs of tabs, the older "Device" column, or none at all', () => {
    const rows = '-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32\n';
    for (const header of ['#opt\tid\tname\ttype\tip\toffset\tbinary', '#Opt Id Name Type IP Offset Binary', '\uFEFF#Opt\t\tId\tName\tType\tDevice\tOffset\tBinary', '']) {
      expect(parseFlashlayout(`${header}\n${rows}`, '/x/L.tsv').rows, header).toHaveLength(1);
    }
    // After the first row, a '#Opt' line is only a comment.
    expect(parseFlashlayout(`${rows}#Opt\tsomething else\n`, '/x/L.tsv').rows).toHaveLength(1);
  });

  it('refuses a duplicate id, naming both lines', () => {
    const err = refusal('-\t0x01\ta\tBinary\tnone\t0x0\ta.stm32\n-\t0x01\tb\tBinary\tnone\t0x0\tb.stm32\n');
    expect(err.message).toBe('/layouts/FlashLayout.tsv:2: id 0x01 is already used on line 1');
  });

  it('refuses a layout without rows, and one without the serial-boot rows', () => {
    expect(refusal('#Opt\tId\tName\tType\tIP\tOffset\tBinary\n').message).toContain('no partition rows');
    const noFip = parseFlashlayout('-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32\n', '/x/L.tsv');
    expect(() => serialBootRows(noFip)).toThrow(/no row for the SSBL \(FIP\) \(id 0x03/);
    const programmed = parseFlashlayout('-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ta.stm32\nP\t0x03\tfip\tFIP\tmmc0\t0x0\tf.bin\n', '/x/L.tsv');
    expect(() => serialBootRows(programmed)).toThrow(/L\.tsv:2: the SSBL \(FIP\) row has Opt 'P' and IP 'mmc0'/);
    const noBinary = parseFlashlayout('-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\n-\t0x03\tfip\tFIP\tnone\t0x0\tf.bin\n', '/x/L.tsv');
    expect(() => serialBootRows(noBinary)).toThrow(/L\.tsv:1: the FSBL row names no Binary file/);
  });
});
