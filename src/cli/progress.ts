import type { BootEvent, BootResult } from '../index.js';
import { phaseName } from '../index.js';

/**
 * Progress of one transfer on stderr: a redrawn bar (bytes, rate, ETA) when stderr is a terminal,
 * plain lines otherwise (CI logs, pipes), so that a log file is not filled with carriage returns.
 * Shared by boot and, later, the OTP and PMIC writes.
 */
export interface ProgressBar {
  update(sent: number): void;
  /** Ends the bar (a final line in both modes). */
  done(): void;
}

export interface ProgressOptions {
  tty: boolean;
  write: (text: string) => void;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
  columns?: number;
}

const BAR_WIDTH = 24;
/** Redraw at most this often: a 256-byte packet takes ~22 ms at 115200 baud. */
const REDRAW_MS = 100;
/** Plain mode prints a line at each of these fractions. */
const PLAIN_STEPS = [0.25, 0.5, 0.75] as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function startProgress(label: string, total: number, options: ProgressOptions): ProgressBar {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let sent = 0;
  let lastDraw = -Infinity;
  let nextStep = 0;
  const rate = (): number => {
    const s = (now() - started) / 1000;
    return s > 0 ? sent / s : 0;
  };

  const line = (): string => {
    const fraction = total > 0 ? sent / total : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const r = rate();
    const eta = r > 0 && sent < total ? ` ETA ${formatDuration(((total - sent) / r) * 1000)}` : '';
    const text = `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(sent)}/${formatBytes(total)} ${formatBytes(Math.round(r))}/s${eta}`;
    return options.columns ? text.slice(0, options.columns - 1) : text;
  };

  if (!options.tty) options.write(`${label}: ${formatBytes(total)} (${total} bytes)\n`);
  return {
    update(n) {
      sent = n;
      if (options.tty) {
        const t = now();
        if (t - lastDraw >= REDRAW_MS || sent >= total) {
          lastDraw = t;
          options.write(`\r\x1b[2K${line()}`);
        }
        return;
      }
      while (nextStep < PLAIN_STEPS.length && total > 0 && sent / total >= PLAIN_STEPS[nextStep]! && sent < total) {
        options.write(`${label}: ${Math.round(PLAIN_STEPS[nextStep]! * 100)}% (${sent}/${total} bytes)\n`);
        nextStep++;
      }
    },
    done() {
      const elapsed = now() - started;
      const summary = `${label}: ${formatBytes(sent)} in ${formatDuration(elapsed)} (${formatBytes(Math.round(rate()))}/s)`;
      options.write(options.tty ? `\r\x1b[2K${summary}\n` : `${summary}\n`);
    },
  };
}

/** Stage names as the summary shows them. */
const STAGE_NAMES = { rom: 'ROM code', 'tf-a': 'TF-A', 'u-boot': 'U-Boot' } as const;

/**
 * Renders boot events (src/operations/boot.ts) on stderr: a bar per image, a note at each stage
 * change, and the stray bytes (boot log) seen while the next program started. Used by `boot` and by
 * the commands that take `--boot FlashLayout.tsv`.
 */
export function bootEventRenderer(ctx: { note(text: string): void; stderrIsTTY: boolean }): (e: BootEvent) => void {
  let bar: ProgressBar | undefined;
  const write = (text: string): void => void process.stderr.write(text);
  return (e) => {
    switch (e.type) {
      case 'stage':
        ctx.note(`${STAGE_NAMES[e.stage]} asks for phase 0x${e.phase.toString(16).padStart(2, '0')} (${phaseName(e.phase)})`);
        break;
      case 'download-start':
        bar = startProgress(`  ${e.name}`, e.total, { tty: ctx.stderrIsTTY, write, columns: process.stderr.columns });
        break;
      case 'progress':
        bar?.update(e.sent);
        break;
      case 'download-done':
        bar?.done();
        bar = undefined;
        break;
      case 'stage-change':
        ctx.note(`${STAGE_NAMES[e.from]} started ${STAGE_NAMES[e.to]}; waiting for it to answer`);
        break;
      case 'stray-bytes': {
        const text = e.data.toString('latin1').replace(/[^\x20-\x7e\n]/g, '.').trim();
        if (text) ctx.note(`  (${e.data.length} byte(s) from ${STAGE_NAMES[e.stage]} while it started: ${text.slice(0, 200)})`);
        break;
      }
      case 'stage-done':
        break;
    }
  };
}

/** The end-of-boot summary: one line per stage with its time. */
export function formatBootSummary(result: BootResult): string {
  if (result.alreadyInUBoot) return "The board is already in U-Boot's stm32prog loop: nothing to boot.";
  const lines = result.stages.map(
    (s) =>
      `  ${STAGE_NAMES[s.stage].padEnd(8)} phase 0x${s.phase.toString(16).padStart(2, '0')}  ${s.bytes > 0 ? formatBytes(s.bytes).padStart(10) : '         -'}  ${formatDuration(s.ms)}`,
  );
  const total = result.stages.reduce((sum, s) => sum + s.ms, 0);
  return [`Booted to U-Boot stm32prog in ${formatDuration(total)} (OTP 0xF2 and PMIC 0xF4 partitions ready):`, ...lines].join('\n');
}
