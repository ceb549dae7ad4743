import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import { CaptureLineParser, isCaptureProblem, type CaptureChunk, type CaptureHeader, type CaptureProblem, type ParseOptions } from './format.js';

/** What a streamed capture file yields, in file order. */
export type CaptureItem = { kind: 'header'; header: CaptureHeader } | { kind: 'chunk'; chunk: CaptureChunk } | { kind: 'problem'; problem: CaptureProblem };

/**
 * Reads a capture file line by line (readline over a file stream) and yields its header, chunks and,
 * lenient, the lines it could not read, as they are parsed: a capture of any size is decoded with
 * one line in memory, not the whole file twice (text and chunks). Errors are InputError FILE (cannot
 * open / read) or CAPTURE_INVALID (see CaptureLineParser).
 */
export async function* streamCaptureFile(path: string, options: ParseOptions = {}): AsyncGenerator<CaptureItem, void, undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputError('FILE', `cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  }
  const parser = new CaptureLineParser(path, options);
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      const hadHeader = parser.header !== undefined;
      const r = parser.line(line, lineNo);
      if (!hadHeader && parser.header) yield { kind: 'header', header: parser.header };
      if (r === undefined) continue;
      if (isCaptureProblem(r)) yield { kind: 'problem', problem: r };
      else yield { kind: 'chunk', chunk: r };
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('FILE', `cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  } finally {
    lines.close();
    await handle.close().catch(() => {});
  }
  parser.finish();
}
