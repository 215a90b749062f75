// The recorder's bounded, coalescing write queue. Recording must never block or grow memory without
// bound, whatever the API server's state: writes wait here for the one writer, at most `capacity`
// Events at a time; a newer write for an Event already waiting replaces it in place (its latest
// count is all that matters), and a write for a new Event when the queue is full is dropped.

import type { CoreEvent } from './types.js';

export interface PendingWrite {
  event: CoreEvent;
  /** The correlator's key, to forget it when the Event turns out to be gone. */
  key: string;
  /** Patch an existing Event; false: create it (the whole event). */
  patch: boolean;
  attempts: number;
}

export class WriteQueue {
  private pending = new Map<string, PendingWrite>();
  private wake?: () => void;
  private closed = false;

  constructor(readonly capacity = 1000) {}

  get length() {
    return this.pending.size;
  }

  /** False when dropped because the queue is full or closed. */
  push(w: PendingWrite): boolean {
    if (this.closed) return false;
    const id = `${w.event.metadata.namespace}/${w.event.metadata.name}`;
    const waiting = this.pending.get(id);
    if (waiting) {
      // A create not yet sent carries the latest count itself; a patch stays a patch.
      waiting.event = w.event;
      waiting.key = w.key;
      return true;
    }
    if (this.pending.size >= this.capacity) return false;
    this.pending.set(id, w);
    this.wake?.();
    return true;
  }

  /** Put a failed write back: if a newer write for its Event is waiting, that one wins, but stays a create if this was one. */
  retry(w: PendingWrite): boolean {
    const waiting = this.pending.get(`${w.event.metadata.namespace}/${w.event.metadata.name}`);
    if (!waiting) return this.push(w);
    waiting.patch &&= w.patch;
    return true;
  }

  /** The oldest waiting write, waiting for one if none; undefined once closed. */
  async take(): Promise<PendingWrite | undefined> {
    while (!this.closed) {
      const first = this.pending.entries().next();
      if (!first.done) {
        this.pending.delete(first.value[0]);
        return first.value[1];
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
    return undefined;
  }

  close() {
    this.closed = true;
    this.pending.clear();
    this.wake?.();
  }
}
