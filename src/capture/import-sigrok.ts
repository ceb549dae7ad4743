import type { Direction } from '../transport/transport.js';
import { flip, invalid, parseCharValue, toCapture, type ByteEvent, type ImportedCapture, type ImportOptions } from './import-common.js';

/**
 * sigrok-cli UART decoder annotations (`-P uart:baudrate=115200:parity=even:rx=D0:tx=D1
 * -A uart=rx-data:tx-data`), as sigrok-cli prints them (sigrok-cli `show_pd_annotations`):
 *   uart-1: 7F                                   default
 *   uart-1: tx-data: 7F                          --protocol-decoder-ann-class
 *   1200-1287 uart-1: tx-data: 7F                --protocol-decoder-samplenum as well
 *   1200-1287 uart-1: tx-data: "7F" "7F"         loglevel ≥ 5 (quotes, alternative texts)
 * The class (rx-data / tx-data; "RX", "TX data" accepted too) gives the direction: the decoder's
 * `tx` channel wired to the host's TX line is tx. Without classes, the decoder instance id tells
 * (`txName` / `rxName`, one instance per line), or the whole file is `dir`. Values in the decoder's
 * default hex format (`7F`) or its ascii format (`A`, `[7F]`). Other classes (start/stop/parity
 * bits, warnings) are skipped. Sample numbers become µs with `sampleRateHz`; otherwise bytes are
 * timed from the baud rate.
 */
const LINE = /^(?:(\d+)-(\d+)\s+)?([A-Za-z0-9_.-]+):\s+(.*)$/;
const CLASS = /^([A-Za-z][A-Za-z -]*?):\s+(.*)$/;

/** Classes by which the decoder says a byte was bad (uart decoder: rx-parity-err, tx-warnings, ...). */
const BAD_CLASS = /parity-?err|warning|break|frame/i;

function classDirection(cls: string): Direction | 'skip' {
  const c = cls.toLowerCase().replace(/[\s-]+/g, '');
  if (c === 'rxdata' || c === 'rx') return 'rx';
  if (c === 'txdata' || c === 'tx') return 'tx';
  return 'skip';
}

function parseValue(text: string): number | undefined {
  let s = text.trim();
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    s = end > 0 ? s.slice(1, end) : s.slice(1);
  } else s = s.split(/\s+/)[0] ?? '';
  if (/^[0-9A-Fa-f]{2}$/.test(s)) return parseInt(s, 16);
  const bracket = /^\[([0-9A-Fa-f]{2})\]$/.exec(s);
  if (bracket) return parseInt(bracket[1]!, 16);
  return parseCharValue(s);
}

export function importSigrok(text: string, options: ImportOptions = {}): ImportedCapture {
  const source = options.source ?? 'sigrok output';
  const warnings: string[] = [];
  const events: (ByteEvent & { sample?: number })[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw invalid(source, i + 1, 'not a sigrok-cli annotation line like "uart-1: 7F" or "uart-1: tx-data: 7F"');
    const instance = m[3]!;
    let rest = m[4]!;
    let dir: Direction | undefined;
    const c = CLASS.exec(rest);
    if (c && !/^[0-9A-Fa-f]{2}$/.test(c[1]!)) {
      const d = classDirection(c[1]!);
      if (d === 'skip') {
        if (BAD_CLASS.test(c[1]!)) warnings.push(`${source}:${i + 1}: the decoder reports ${c[1]}: ${c[2]!.trim()} (the byte next to it is kept, but may not be what was sent)`);
        continue;
      }
      dir = d;
      rest = c[2]!;
    } else if (options.txName !== undefined || options.rxName !== undefined) {
      dir = instance === options.txName ? 'tx' : instance === options.rxName ? 'rx' : undefined;
      if (!dir) continue; // another decoder's annotations
    } else dir = options.dir;
    if (!dir) {
      throw invalid(
        source,
        i + 1,
        'no annotation class, so RX cannot be told from TX: rerun sigrok-cli with --protocol-decoder-ann-class, or pass --dir for a one-direction file, or --tx-name/--rx-name with one decoder instance per direction',
      );
    }
    const byte = parseValue(rest);
    if (byte === undefined) throw invalid(source, i + 1, `${JSON.stringify(rest)} is not a byte (hex "7F", or ascii "A" / "[7F]")`);
    const sample = m[1] !== undefined ? Number(m[1]) : undefined;
    const t = sample !== undefined && options.sampleRateHz ? (sample / options.sampleRateHz) * 1e6 : undefined;
    events.push({ t, dir: flip(dir, options.swap), byte, sample });
  }
  if (events.length === 0) throw invalid(source, undefined, 'no UART data annotation found (run sigrok-cli with -A uart=rx-data:tx-data)');
  // Without a sample rate, sample numbers still give the order of the two directions.
  if (events.some((e) => e.t === undefined) && events.every((e) => e.sample !== undefined)) {
    const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.sample! - b.e.sample! || a.i - b.i);
    return { ...toCapture(ordered.map(({ e }) => ({ t: undefined, dir: e.dir, byte: e.byte })), options, `sigrok:${source}`), warnings };
  }
  return { ...toCapture(events, options, `sigrok:${source}`), warnings };
}
