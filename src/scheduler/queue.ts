// The scheduling queue (kube's PriorityQueue): activeQ holds pods ready to try, highest priority
// first, then oldest; backoffQ holds pods that failed recently, until their per-pod backoff
// (1s doubling to 10s) expires; unschedulable pods wait for a cluster event that may help (a node
// added or changed, a pod deleted) or for 60 s, whichever comes first. An event that arrives while a
// pod is being tried sends that pod to backoff instead of the unschedulable pool, so it is not lost.

import { KeyedHeap } from './heap.js';
import { podKey, type Pod } from './types.js';

export interface QueuedPod {
  key: string;
  pod: Pod;
  priority: number;
  /** Creation time (ms) for FIFO among equal priorities; seq breaks ties. */
  created: number;
  seq: number;
  attempts: number;
  /** When the last attempt failed (ms, queue clock). */
  lastFailure: number;
  unschedulableSince?: number;
}

export interface QueueOptions {
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  unschedulableTimeoutMs?: number;
}

const priorityOf = (p: Pod) => (typeof p.spec?.priority === 'number' ? p.spec.priority : 0);
const createdOf = (p: Pod) => {
  const t = Date.parse(String(p.metadata?.creationTimestamp ?? ''));
  return Number.isNaN(t) ? 0 : t;
};

export class SchedulingQueue {
  private now: () => number;
  private initialBackoff: number;
  private maxBackoff: number;
  private unschedulableTimeout: number;
  private active = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => (a.priority !== b.priority ? a.priority > b.priority : a.created !== b.created ? a.created < b.created : a.seq < b.seq),
  );
  private backoff = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private unschedulable = new Map<string, QueuedPod>();
  /** Pods handed out by pop() and not yet returned; value: changed (updated or event) while in flight. */
  private inFlight = new Map<string, { qp: QueuedPod; dirty: boolean; deleted: boolean }>();
  private waiters: ((q: QueuedPod | undefined) => void)[] = [];
  private seq = 0;
  private closed = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(opts: QueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.unschedulableTimeout = opts.unschedulableTimeoutMs ?? 60_000;
  }

  /** Starts the periodic flushes (backoff every second, unschedulable leftovers every 30 s). */
  run() {
    const t1 = setInterval(() => this.flushBackoffCompleted(), 1000);
    const t2 = setInterval(() => this.flushUnschedulableLeftover(), 30_000);
    t1.unref();
    t2.unref();
    this.timers.push(t1, t2);
  }

  close() {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get lengths() {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  backoffDuration(qp: QueuedPod): number {
    return Math.min(this.initialBackoff * 2 ** Math.max(0, qp.attempts - 1), this.maxBackoff);
  }

  private backoffExpiry(qp: QueuedPod) {
    return qp.lastFailure + this.backoffDuration(qp);
  }

  private isBackingOff(qp: QueuedPod) {
    return qp.attempts > 0 && this.backoffExpiry(qp) > this.now();
  }

  private has(key: string) {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key);
  }

  private toActive(qp: QueuedPod) {
    qp.unschedulableSince = undefined;
    const w = this.waiters.shift();
    if (w) this.handOut(qp, w);
    else this.active.push(qp);
  }

  private handOut(qp: QueuedPod, to: (q: QueuedPod) => void) {
    qp.attempts++;
    this.inFlight.set(qp.key, { qp, dirty: false, deleted: false });
    to(qp);
  }

  /** A new pending pod. */
  add(pod: Pod) {
    if (this.closed) return;
    const key = podKey(pod);
    if (this.has(key) || this.inFlight.has(key)) return this.update(pod);
    this.toActive({ key, pod, priority: priorityOf(pod), created: createdOf(pod), seq: this.seq++, attempts: 0, lastFailure: 0 });
  }

  /** A pending pod changed: refresh it where it waits; a changed unschedulable pod gets another try. */
  update(pod: Pod) {
    if (this.closed) return;
    const key = podKey(pod);
    const fresh = (qp: QueuedPod) => Object.assign(qp, { pod, priority: priorityOf(pod) });
    const a = this.active.get(key);
    if (a) return this.active.push(fresh(a));
    const b = this.backoff.get(key);
    if (b) return this.backoff.push(fresh(b));
    const u = this.unschedulable.get(key);
    if (u) {
      this.unschedulable.delete(key);
      fresh(u);
      if (this.isBackingOff(u)) this.backoff.push(u);
      else this.toActive(u);
      return;
    }
    const f = this.inFlight.get(key);
    if (f) {
      fresh(f.qp);
      f.dirty = true;
      f.deleted = false;
      return;
    }
    this.add(pod);
  }

  delete(pod: Pod) {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    const f = this.inFlight.get(key);
    if (f) f.deleted = true;
  }

  /** The next pod to try, or undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const qp = this.active.pop();
    if (qp) {
      this.handOut(qp, () => {});
      return Promise.resolve(qp);
    }
    return new Promise((resolve) => this.waiters.push((q) => resolve(q)));
  }

  /** The attempt is over and the pod was placed (or vanished): forget it. */
  done(key: string) {
    this.inFlight.delete(key);
  }

  /**
   * The attempt failed. `unschedulable`: no node fits, so wait for an event; otherwise (an error such
   * as a failed bind) retry after backoff. A pod that changed or saw an event meanwhile goes to backoff.
   */
  requeue(qp: QueuedPod, unschedulable: boolean) {
    const f = this.inFlight.get(qp.key);
    this.inFlight.delete(qp.key);
    if (this.closed || this.has(qp.key) || !f || f.deleted) return; // deleted while in flight, or already re-added
    qp.lastFailure = this.now();
    if (unschedulable && !f.dirty) {
      qp.unschedulableSince = this.now();
      this.unschedulable.set(qp.key, qp);
    } else this.backoff.push(qp);
  }

  /**
   * A cluster event that may make unschedulable pods fit (node added/updated, pod deleted). `affects`
   * is the event's queueing hint: only the pods it may help move (storage events move only pods
   * with claims).
   */
  moveAllToActiveOrBackoff(_event: string, affects?: (pod: Pod) => boolean) {
    for (const f of this.inFlight.values()) if (!affects || affects(f.qp.pod)) f.dirty = true;
    for (const qp of [...this.unschedulable.values()]) if (!affects || affects(qp.pod)) this.moveFromUnschedulable(qp);
  }

  private moveFromUnschedulable(qp: QueuedPod) {
    this.unschedulable.delete(qp.key);
    if (this.isBackingOff(qp)) this.backoff.push(qp);
    else this.toActive(qp);
  }

  flushBackoffCompleted() {
    const now = this.now();
    for (let qp = this.backoff.peek(); qp && this.backoffExpiry(qp) <= now; qp = this.backoff.peek()) {
      this.backoff.pop();
      this.toActive(qp);
    }
  }

  flushUnschedulableLeftover() {
    const now = this.now();
    for (const qp of [...this.unschedulable.values()]) {
      if (now - (qp.unschedulableSince ?? 0) >= this.unschedulableTimeout) this.moveFromUnschedulable(qp);
    }
  }
}
