import { flip, invalid, toCapture, type ByteEvent, type ImportedCapture, type ImportOptions } from './import-common.js';

/**
 * socat `-x -v` (or `-x`) dumps, as socat writes them on stderr: one record per transfer,
 *   > 2024/01/02 10:11:12.123456  length=3 from=0 to=2
 *    7f 00 ff                                          ...
 *   --
 * `>` is data from socat's first address to its second, `<` the reverse; with the host as the first
 * address, `>` is tx. With -v the hex lines carry the bytes as text after two spaces (ignored here);
 * a record's `length` must match the bytes found. Lines of socat's own log (`-d`) are skipped.
 */
const HEADER = /^([<>]) (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s+length=(\d+) from=(\d+) to=(\d+)\s*$/;
const SOCAT_LOG = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? socat\[\d+\] [DINWEF] /;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

export function importSocat(text: string, options: ImportOptions = {}): ImportedCapture {
  const source = options.source ?? 'socat dump';
  const events: ByteEvent[] = [];
  let rec: { dir: 'tx' | 'rx'; t: number; length: number; got: number; line: number } | undefined;
  let started = '';
  const finish = (): void => {
    if (rec && rec.got !== rec.length) throw invalid(source, rec.line, `the record announces length=${rec.length} but ${rec.got} byte(s) follow (truncated dump?)`);
    rec = undefined;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const h = HEADER.exec(line);
    if (h) {
      finish();
      const frac = (h[8] ?? '').padEnd(6, '0').slice(0, 6);
      const ms = Date.UTC(+h[2]!, +h[3]! - 1, +h[4]!, +h[5]!, +h[6]!, +h[7]!);
      // socat prints local time without a zone: keep it as written.
      if (!started) started = `${h[2]}-${h[3]}-${h[4]}T${h[5]}:${h[6]}:${h[7]}.${frac}`;
      rec = { dir: flip(h[1] === '>' ? 'tx' : 'rx', options.swap), t: ms * 1000 + +frac, length: +h[9]!, got: 0, line: lineNo };
      continue;
    }
    if (line.trim() === '--') {
      finish();
      continue;
    }
    if (SOCAT_LOG.test(line)) continue;
    if (!rec) throw invalid(source, lineNo, 'not socat -x -v output: expected a record header like "> 2024/01/02 10:11:12.123456  length=3 from=0 to=2"');
    // Hex tokens " hh" up to the announced length; what follows two spaces is -v's text column.
    let pos = 0;
    let found = 0;
    while (
      rec.got < rec.length &&
      pos + 3 <= line.length &&
      line.charCodeAt(pos) === 0x20 &&
      isHex(line.charCodeAt(pos + 1)) &&
      isHex(line.charCodeAt(pos + 2)) &&
      (pos + 3 === line.length || line.charCodeAt(pos + 3) === 0x20)
    ) {
      events.push({ t: rec.t, dir: rec.dir, byte: parseInt(line.slice(pos + 1, pos + 3), 16) });
      rec.got++;
      found++;
      pos += 3;
    }
    if (found === 0) {
      throw invalid(source, lineNo, `expected hex bytes like " 7f 00 ff" (socat -x); a text dump (-v alone) cannot carry binary bytes: record with socat -x -v`);
    }
  }
  finish();
  if (events.length === 0) throw invalid(source, undefined, 'no socat record found (expected "> date  length=N from=.. to=.." headers)');
  // The dump's own date (local time, as socat writes it) wins over the caller's guess.
  return { ...toCapture(events, options, `socat:${source}`, started || undefined), warnings: [] };
}
