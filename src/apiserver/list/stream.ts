// Writes a big JSON list without holding the event loop: the envelope first, then the items in
// chunks (each serialized on its own), yielding to the loop when a time slice is used up and waiting
// for the socket to drain when the client reads slower than we write. A 30,000-pod list is then
// many short steps instead of one JSON.stringify of hundreds of megabytes.

import type { ServerResponse } from 'node:http';
import { Slicer } from '../../util/event-loop-slice.js';
import { isPretty } from '../pretty.js';

/**
 * One streamed JSON object: `open(head, field)` writes `{...head,"field":[`, `items(...)` appends
 * elements, `close(tail)` writes `]` plus any fields known only at the end, and `}`.
 */
export class JsonListWriter {
  private first = true;
  private gone = false;

  /** slicer: the request's (context.ts, sliceTurn), so the time its reads and decodes took counts
   *  too and a large item is never serialized in the same turn as it was decoded. */
  constructor(
    private res: ServerResponse,
    private readonly slicer = new Slicer(),
  ) {
    res.once('close', () => (this.gone = true));
  }

  /** The client went away: callers stop reading the store. */
  get closed(): boolean {
    return this.gone || this.res.destroyed;
  }

  start(code: number, headers: Record<string, string>, head: Record<string, unknown>, field: string) {
    this.res.writeHead(code, { ...headers, 'Transfer-Encoding': 'chunked' });
    if (this.pretty) {
      // Indented as Go's json.Indent lays out the whole list: two spaces per level.
      const h = JSON.stringify(head, null, 2);
      this.res.write(`${h.length > 2 ? `${h.slice(0, -2)},` : '{'}\n  ${JSON.stringify(field)}: [`);
      return;
    }
    const h = JSON.stringify(head);
    this.res.write(`${h.slice(0, -1)}${h.length > 2 ? ',' : ''}${JSON.stringify(field)}:[`);
  }

  /** ?pretty (or curl): items and envelope indented. */
  private get pretty(): boolean {
    return isPretty(this.res);
  }

  /** Serializes and writes elements, yielding between slices and waiting out backpressure. */
  async items<T>(elements: T[], serialize: (e: T) => string = (e) => JSON.stringify(e)): Promise<void> {
    let buf: string[] = [];
    const flush = async () => {
      if (buf.length === 0) return;
      const ok = this.res.write(buf.join(''));
      buf = [];
      if (!ok && !this.closed) {
        await new Promise<void>((r) => {
          const done = () => {
            this.res.off('drain', done);
            this.res.off('close', done);
            r();
          };
          this.res.on('drain', done);
          this.res.on('close', done);
        });
      }
    };
    const pretty = this.pretty;
    const one = pretty ? (e: T) => `\n    ${JSON.stringify(JSON.parse(serialize(e)), null, 2).replace(/\n/g, '\n    ')}` : serialize;
    for (const e of elements) {
      if (this.closed) return;
      // Before each item as well as after: what came before (a read, a decode, the last item) may
      // have used the budget, and one item can be a whole pass over a 3 MiB object.
      if (this.slicer.due()) {
        await flush();
        await this.slicer.turn();
      }
      buf.push(this.first ? one(e) : ',' + one(e));
      this.first = false;
    }
    await flush();
  }

  end(tail: Record<string, unknown> = {}) {
    if (this.closed) return;
    if (this.pretty) {
      const fields = Object.entries(tail)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `,\n  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`);
      this.res.end(`${this.first ? '' : '\n  '}]${fields.join('')}\n}\n`);
      return;
    }
    const t = JSON.stringify(tail);
    // A final newline, as Go's JSON encoder writes one after every object.
    this.res.end(`]${t.length > 2 ? ',' + t.slice(1, -1) : ''}}\n`);
  }
}
