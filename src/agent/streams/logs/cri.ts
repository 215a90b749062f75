// One line of a CRI log file: "<RFC3339Nano> <stdout|stderr> <F|P> <text>". P marks a partial line
// (the runtime split a long line); the text of P entries joins the next entry without a newline.

export interface LogEntry {
  /** The timestamp exactly as written (RFC3339Nano). */
  timestamp: string;
  /** Milliseconds since the epoch, for since/sinceTime filtering. */
  time: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseCriLine(line: string): LogEntry | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const timestamp = line.slice(0, a);
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return undefined;
  // The tag field is absent in very old files; treat that as a full line.
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  if (tag === 'F' || tag === 'P') return { timestamp, time, stream, partial: tag === 'P', text: c < 0 ? '' : line.slice(c + 1) };
  return { timestamp, time, stream, partial: false, text: line.slice(b + 1) };
}

/** A whole log line for output: partial entries joined, with the timestamp of its first piece. */
export interface LogLine {
  timestamp: string;
  time: number;
  text: string;
}

/** Joins CRI entries into whole lines; keeps an unfinished partial line pending between calls. */
export class LineJoiner {
  private pending?: LogLine;

  push(e: LogEntry): LogLine | undefined {
    const line = this.pending ? { ...this.pending, text: this.pending.text + e.text } : { timestamp: e.timestamp, time: e.time, text: e.text };
    if (e.partial) {
      this.pending = line;
      return undefined;
    }
    this.pending = undefined;
    return line;
  }

  /** The unfinished line, when the log ends without its last piece. */
  flush(): LogLine | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }
}
