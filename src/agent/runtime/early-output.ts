// What an interactive container (created with stdin, as `kubectl run -i` makes it) wrote before
// anyone attached. kubectl attaches only once the pod is Running and Ready, so a command that prints
// and exits at once (`kubectl run -i --rm t -- echo hello`) would have written everything before the
// attach, and the attach would show nothing; its first attach gets this replayed first, like
// Docker's attach-before-start. Bounded: beyond the limit only the log file has the rest.

export type Stream = 'stdout' | 'stderr';

export const EARLY_OUTPUT_LIMIT = 1024 * 1024;

export class EarlyOutput {
  private chunks: [Stream, Buffer][] = [];
  private bytes = 0;

  constructor(private readonly limit = EARLY_OUTPUT_LIMIT) {}

  add(stream: Stream, data: Buffer) {
    const room = this.limit - this.bytes;
    if (room <= 0) return;
    const part = data.length <= room ? data : data.subarray(0, room);
    // Copied: the pump may reuse its buffer.
    this.chunks.push([stream, Buffer.from(part)]);
    this.bytes += part.length;
  }

  /** Hands everything kept, in order, to `to`, and forgets it. */
  replay(to: (stream: Stream, data: Buffer) => void) {
    const chunks = this.chunks;
    this.chunks = [];
    this.bytes = this.limit; // nothing more is kept once replayed
    for (const [s, d] of chunks) to(s, d);
  }
}
