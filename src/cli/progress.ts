// Progress of a long transfer (`gifee images import` and `pull`) for the person watching: on a
// terminal one line redrawn in place (a bar, bytes, rate), at most every 100 ms; otherwise (a pipe,
// a log file, CI) a plain line when it starts and one every 10 s, so logs stay short and readable.
// The final "imported/pulled ..." line is the command's own; the progress line is cleared for it.

import { humanSize } from './human-size.js';

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 100;
const PLAIN_EVERY_MS = 10_000;

/** The text of one progress state: label, bar (when the total is known), bytes, percentage, rate. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${humanSize((done * 1000) / elapsedMs)}/s` : '-';
  if (total <= 0) return `${label}  ${humanSize(done)}  ${rate}`;
  const frac = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === BAR_WIDTH ? '=' : '>') : ''}${' '.repeat(BAR_WIDTH - filled)}]`;
  return `${label}  ${bar} ${String(Math.floor(frac * 100)).padStart(3)}%  ${humanSize(done)}/${humanSize(total)}  ${rate}`;
}

export interface ProgressOptions {
  /** Whether the output is a terminal (redraw in place) or not (plain lines). */
  tty: boolean;
  write: (text: string) => void;
  /** Terminal width: the redrawn line is cut to it so it never wraps. */
  columns?: number;
  now?: () => number;
  quiet?: boolean;
}

export interface Progress {
  /** Hear a new state (called as often as bytes arrive; output is throttled). */
  update(done: number, total: number): void;
  /** Clear the redrawn line (on a TTY) before the command prints its result or an error. */
  end(): void;
}

export function progressReporter(label: string, o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  const cut = (s: string) => (o.columns && s.length > o.columns - 1 ? s.slice(0, o.columns - 1) : s);
  return {
    update(done, total) {
      if (o.quiet) return;
      const t = now();
      if (o.tty) {
        if (t - lastDraw < TTY_REDRAW_MS && done < total) return;
        lastDraw = t;
        drawn = true;
        o.write(`\r${cut(progressLine(label, done, total, t - started))}\x1b[K`);
        return;
      }
      // Plain: the first state, then one line per period (never the bytes of every chunk).
      if (t - lastDraw < PLAIN_EVERY_MS) return;
      lastDraw = t;
      o.write(`${progressLine(label, done, total, t - started)}\n`);
    },
    end() {
      if (o.tty && drawn) o.write('\r\x1b[K');
      drawn = false;
    },
  };
}
