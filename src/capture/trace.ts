import type { Direction, Transport } from '../transport/transport.js';
import type { Logger } from '../util/logger.js';
import { createCaptureDecoder, frameTraceLine } from './decode.js';
import type { DecodedFrame, DecoderOptions } from './decode-types.js';

/**
 * `--log-level trace`: the wire as the capture decoder reads it. Taps `transport`, pushes every chunk
 * into a streaming decoder and logs each frame at trace level, its JSON fields plus `source: 'wire'`,
 * with its trace line as the message. These are the bytes as they crossed the port, decoded
 * independently of the link: where the link's own per-command frame lines and these disagree is
 * exactly where a host or device bug shows. Returns the function that removes the tap and logs the
 * frame still open (marked truncated); calling it again does nothing.
 *
 * Cost: nothing unless trace is enabled (the caller checks); then one decoder pass, as `capture
 * decode` would do on a recording.
 */
export function traceWithDecoder(transport: Transport, logger: Logger, options: DecoderOptions = {}): () => void {
  const decoder = createCaptureDecoder(options);
  const t0Ms = transport.clock.now();
  const log = (frames: DecodedFrame[]): void => {
    for (const f of frames) logger.trace({ source: 'wire', ...f }, frameTraceLine(f).trim());
  };
  let untap: (() => void) | undefined = transport.tap((dir: Direction, data: Buffer, atMs: number) => {
    log(decoder.push({ t: Math.round((atMs - t0Ms) * 1000), dir, data }));
  });
  return () => {
    if (!untap) return;
    untap();
    untap = undefined;
    log(decoder.end());
  };
}
