import { createCaptureDecoder, type DecoderChunk } from '../src/capture/decode.js';
import { writeOtp } from '../src/operations/otp-write.js';
import { downloadBuffer } from '../src/operations/transfer.js';
import { Phase } from '../src/protocol/constants.js';
import { summarize } from './model.js';
import { OTP_EDIT, payload } from './scenarios.js';
import { openSession } from './session.js';

export interface DecodeResult {
  name: 'capture-decode';
  /** Capture bytes (both directions) decoded. */
  bytes: number;
  chunks: number;
  frames: number;
  /** Median of the runs, megabytes (10^6) of capture bytes per second. */
  decodeMBps: number;
  bestMBps: number;
}

/**
 * A real conversation, recorded as the capture recorder would see it (one chunk per transport
 * write or device output): sync, an OTP write with its reads, and a 64 KiB Download — so the mix of
 * small frames, OTP structures and 256-byte packets is the tool's own.
 */
export async function recordConversation(): Promise<DecoderChunk[]> {
  const session = await openSession(undefined);
  const chunks: DecoderChunk[] = [];
  session.transport.tap((dir, data, atMs) => chunks.push({ t: Math.round(atMs * 1000), dir, data: Buffer.from(data) }));
  await session.link.sync();
  await writeOtp(session.link, { edits: [OTP_EDIT], yes: true });
  await downloadBuffer(session.link, Phase.FLASHLAYOUT, payload(64 * 1024));
  await session.close();
  return chunks;
}

/** Repeats a conversation until it holds `targetBytes`, with times that keep increasing. */
export function synthesizeCapture(conversation: readonly DecoderChunk[], targetBytes: number): { chunks: DecoderChunk[]; bytes: number } {
  const one = conversation.reduce((n, c) => n + c.data.length, 0);
  const t0 = conversation[0]?.t ?? 0;
  const span = (conversation[conversation.length - 1]?.t ?? 0) - t0 + 1000;
  const chunks: DecoderChunk[] = [];
  let bytes = 0;
  for (let k = 0; bytes < targetBytes && one > 0; k++) {
    for (const c of conversation) chunks.push({ t: c.t - t0 + k * span, dir: c.dir, data: c.data });
    bytes += one;
  }
  return { chunks, bytes };
}

/** Decodes a synthetic capture of about `targetBytes` with the streaming decoder, `runs` times. */
export async function measureDecode(targetBytes = 32 * 1024 * 1024, runs = 3): Promise<DecodeResult> {
  const { chunks, bytes } = synthesizeCapture(await recordConversation(), targetBytes);
  // Warm-up (the JIT), on the first tenth of the capture.
  const warm = createCaptureDecoder();
  for (const c of chunks.slice(0, Math.ceil(chunks.length / 10))) warm.push(c);
  warm.end();
  const times: number[] = [];
  let frames = 0;
  for (let r = 0; r < runs; r++) {
    const decoder = createCaptureDecoder();
    frames = 0;
    const t0 = performance.now();
    for (const c of chunks) frames += decoder.push(c).length;
    frames += decoder.end().length;
    times.push(performance.now() - t0);
  }
  const mbps = (ms: number): number => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;
  const { median, min } = summarize(times);
  return { name: 'capture-decode', bytes, chunks: chunks.length, frames, decodeMBps: mbps(median), bestMBps: mbps(min) };
}
