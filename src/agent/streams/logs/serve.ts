// Serves a container's log: history from the rotated and current files (oldest first), filtered by
// since, cut to the last tailLines, then (follow) new lines as they are written until the container
// stops or the client goes away; limitBytes ends the response once that much was written.

import type { ServerResponse } from 'node:http';
import type { LogFiles } from '../target.js';
import { LineJoiner, parseCriLine, type LogLine } from './cri.js';
import { GrowingFile } from './file-reader.js';
import type { LogOptions } from './options.js';

const POLL_MS = 100;

/** Writes to the response, honouring limitBytes and back-pressure. */
class Output {
  written = 0;
  constructor(
    private res: ServerResponse,
    private limit: number | undefined,
  ) {}

  get full() {
    return this.limit !== undefined && this.written >= this.limit;
  }

  async write(text: string) {
    if (this.full || this.res.destroyed) return;
    let b = Buffer.from(text, 'utf8');
    if (this.limit !== undefined && this.written + b.length > this.limit) b = b.subarray(0, this.limit - this.written);
    this.written += b.length;
    if (!this.res.write(b))
      await new Promise<void>((r) => {
        this.res.once('drain', r);
        this.res.once('close', r);
      });
  }
}

export async function serveLogs(res: ServerResponse, files: LogFiles, opts: LogOptions, closed: AbortSignal): Promise<void> {
  const out = new Output(res, opts.limitBytes);
  const joiner = new LineJoiner();
  const format = (l: LogLine) => (opts.timestamps ? `${l.timestamp} ${l.text}\n` : `${l.text}\n`);
  const keep = (l: LogLine | undefined): l is LogLine => l !== undefined && (opts.sinceMs === undefined || l.time >= opts.sinceMs);
  const toLines = (raw: string[]) =>
    raw
      .map(parseCriLine)
      .map((e) => (e ? joiner.push(e) : undefined))
      .filter(keep);

  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  res.flushHeaders();

  // History: rotated files oldest first, then the current one (kept open for follow).
  const [currentPath, ...older] = files.files;
  let history: LogLine[] = [];
  for (const path of older.reverse()) {
    const f = await GrowingFile.open(path);
    history.push(...toLines(await f.readLines()));
    await f.close();
  }
  let current = currentPath ? await GrowingFile.open(currentPath) : undefined;
  if (current) history.push(...toLines(await current.readLines()));
  if (opts.tailLines !== undefined) history = opts.tailLines === 0 ? [] : history.slice(-opts.tailLines);
  for (const l of history) await out.write(format(l));

  if (opts.follow && files.running && current) {
    // One waker for the poll sleep, fired by the container stopping or the client leaving.
    let stopped = false;
    let wake = () => {};
    void files.stopped.then(() => {
      stopped = true;
      wake();
    });
    const onAbort = () => wake();
    closed.addEventListener('abort', onAbort);
    while (!closed.aborted && !out.full && !res.destroyed) {
      const stoppedBefore = stopped;
      const lines = toLines(await current.readLines());
      for (const l of lines) await out.write(format(l));
      if (lines.length > 0) continue;
      if (stoppedBefore) break;
      if (await current.replaced()) {
        // Rotated: the old file is drained (we just read it to its end); continue with the new one.
        await current.close();
        current = await GrowingFile.open(current.path);
        continue;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, POLL_MS);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    closed.removeEventListener('abort', onAbort);
  }
  await current?.close();
  const rest = joiner.flush();
  if (keep(rest)) await out.write(format(rest));
  res.end();
}
