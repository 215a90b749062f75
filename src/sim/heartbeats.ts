// Node Lease heartbeats for many simulated nodes from one process: each node renews its Lease once
// per interval, the renewals spread over the interval (not all at once) and sent with bounded
// concurrency, each a single PUT of the Lease last written (a GET only after a conflict).

import { rfc3339Micro } from '../util/time.js';
import type { KObject } from '../api/kind.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound, StatusError, type RestClient } from '../client/rest.js';
import type { Logger } from '../util/log.js';
import { simNodeLease } from './node-object.js';
import { forEachLimited } from './pool.js';

interface Beat {
  name: string;
  uid: string;
  due: number;
  lease?: KObject;
  /** Whether we have tried creating its Lease (a fresh node has none: create without a GET first). */
  triedCreate?: boolean;
}

const microNow = () => rfc3339Micro();

export class Heartbeats {
  private beats = new Map<string, Beat>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private failures = 0;

  constructor(
    private client: RestClient,
    private log: Logger,
    private opts: { intervalMs: number; leaseDurationSeconds: number; concurrency: number },
  ) {}

  /** Beat for this node now (creating its Lease), so it counts as alive from its registration on. */
  async add(name: string, uid: string): Promise<void> {
    const b: Beat = { name, uid, due: Infinity };
    this.beats.set(name, b);
    await this.renew(b);
    // The next beat comes within one interval, at a random point of its second half, so nodes
    // registered together do not renew together forever after.
    b.due = Date.now() + this.opts.intervalMs * (1 - Math.random() * 0.5);
  }

  /** Keep every added node's Lease renewed, once per interval each. */
  start() {
    const tick = Math.max(50, Math.min(1000, this.opts.intervalMs / 20));
    this.timer ??= setInterval(() => void this.tick(), tick);
  }

  stop() {
    clearInterval(this.timer);
  }

  private async tick() {
    if (this.busy) return; // the previous batch is still being sent: the server is slow; do not pile up
    this.busy = true;
    try {
      const now = Date.now();
      const due = [...this.beats.values()].filter((b) => b.due <= now);
      for (const b of due) b.due = Math.max(b.due + this.opts.intervalMs, now);
      await this.renewAll(due);
    } finally {
      this.busy = false;
    }
  }

  private async renewAll(beats: Beat[]) {
    let failed = 0;
    await forEachLimited(beats, this.opts.concurrency, async (b) => {
      if (!(await this.renew(b))) failed++;
    });
    if (failed && this.failures++ % 10 === 0) this.log.warn('node lease renewals failed; retrying next interval', { failed, of: beats.length });
    if (!failed) this.failures = 0;
  }

  private async renew(b: Beat): Promise<boolean> {
    try {
      if (b.lease) {
        const spec = { ...(b.lease.spec as object), holderIdentity: b.name, leaseDurationSeconds: this.opts.leaseDurationSeconds, renewTime: microNow() };
        try {
          b.lease = await this.client.update(R.leases, { ...b.lease, spec });
          return true;
        } catch (e) {
          if (!isConflict(e) && !isNotFound(e)) throw e;
        }
      }
      const fresh = simNodeLease(b.name, b.uid, this.opts.leaseDurationSeconds);
      if (!b.triedCreate) {
        b.triedCreate = true;
        try {
          b.lease = await this.client.create(R.leases, 'kube-node-lease', fresh);
          return true;
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 409)) throw e;
        }
      }
      // Our copy is stale or the Lease exists already: read the current one and write over it.
      let current: KObject | undefined;
      try {
        current = await this.client.get(R.leases, 'kube-node-lease', b.name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      b.lease = current ? await this.client.update(R.leases, { ...current, metadata: { ...current.metadata, ownerReferences: fresh.metadata!.ownerReferences }, spec: { ...(current.spec as object), ...(fresh.spec as object) } }) : await this.client.create(R.leases, 'kube-node-lease', fresh);
      return true;
    } catch (e) {
      this.log.debug('node lease renewal failed', { node: b.name, err: e });
      b.lease = undefined;
      return false;
    }
  }
}
