import type { BoardStage, ProvisionEvent } from '../../index.js';
import { oneLine } from './provision-text.js';

/**
 * The live table of a provisioning run on stderr: one line per port (stage, progress, UID, result),
 * redrawn in place on a terminal. Elsewhere (CI logs, pipes) it prints one line per finished board,
 * so a log is not filled with redraws.
 */
export interface ProvisionTable {
  onEvent(e: ProvisionEvent): void;
  /** Final draw; later events are ignored until `resume`. */
  pause(): void;
  /** Starts a new block below whatever was printed meanwhile (the plans, the question). */
  resume(): void;
}

interface Row {
  port: string;
  stage: BoardStage;
  progress: string;
  uid: string;
  result: string;
}

export interface TableOptions {
  tty: boolean;
  write: (text: string) => void;
  columns?: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

const REDRAW_MS = 100;

export function createProvisionTable(ports: readonly string[], options: TableOptions): ProvisionTable {
  const now = options.now ?? (() => performance.now());
  const rows = new Map<string, Row>(ports.map((p) => [p, { port: p, stage: 'queued', progress: '', uid: '', result: '' }]));
  const width = Math.max(4, ...ports.map((p) => p.length));
  let drawn = 0;
  let lastDraw = -Infinity;
  let paused = false;

  const line = (r: Row): string => {
    const text = `${r.port.padEnd(width)}  ${r.stage.padEnd(9)}  ${r.progress.padEnd(14)}  ${(r.uid || '-').padEnd(24)}  ${r.result}`;
    return options.columns ? text.slice(0, options.columns - 1) : text;
  };

  const draw = (force: boolean): void => {
    if (!options.tty || paused) return;
    const t = now();
    if (!force && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    const body = [...rows.values()].map((r) => `\r\x1b[2K${line(r)}\n`).join('');
    options.write(up + body);
    drawn = rows.size;
  };

  return {
    onEvent(e) {
      const row = rows.get(e.port);
      if (!row || paused) return;
      switch (e.type) {
        case 'stage':
          row.stage = e.stage;
          row.progress = '';
          if (e.uid) row.uid = e.uid;
          draw(true);
          break;
        case 'progress':
          row.progress = e.total > 0 ? `${e.what} ${Math.floor((100 * e.done) / e.total)}%` : e.what;
          draw(false);
          break;
        case 'reserved':
          row.result = `MAC ${e.mac}${e.reused ? ' (its own)' : ''}`;
          draw(true);
          break;
        case 'result': {
          const r = e.result;
          row.uid = r.uid ?? row.uid;
          row.progress = '';
          row.result = r.error ? `${r.result}: [${r.error.code}] ${oneLine(r.error.message)}` : `${r.result}${r.pool ? ` MAC ${r.pool.mac}` : ''}${r.warnings ? ' (warning: see the results)' : ''}`;
          if (options.tty) draw(true);
          else if (r.result !== 'dry-run') options.write(`${line(row)}\n`);
          break;
        }
        case 'planned':
          break;
      }
    },
    pause() {
      draw(true);
      paused = true;
    },
    resume() {
      paused = false;
      drawn = 0;
      draw(true);
    },
  };
}
