/**
 * What the link reports while it works (style.md #11: the library emits, the CLI renders). Frames
 * carry the decoded fields the trace log shows; `command` events carry the per-exchange latencies.
 */
export type LinkEvent =
  | {
      type: 'sync';
      ok: boolean;
      /** 0x7F bytes sent. */
      attempts: number;
      /** Stale input, boot log text or stray answers thrown away while syncing. */
      discarded: Buffer;
      durationMs: number;
      reason: string;
    }
  | {
      type: 'frame';
      command: string;
      dir: 'tx' | 'rx';
      /** Which part of the exchange: "command", "address", "packet", "answer to the length"... */
      what: string;
      data: Buffer;
      fields: Record<string, unknown>;
    }
  | {
      type: 'command';
      command: string;
      code: number;
      args: Record<string, unknown>;
      ok: boolean;
      attempts: number;
      /** Per exchange: ms from the last byte written to the first byte of the answer. */
      latencyMs: number[];
      durationMs: number;
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    }
  | { type: 'retry'; command: string; attempt: number; reason: string };

export type LinkListener = (event: LinkEvent) => void;
