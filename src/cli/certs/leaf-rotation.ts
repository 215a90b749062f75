// The running server's leaf certificate rotation: each leaf it issued from the cluster CA (serving,
// component clients, the embedded agent's) is renewed when rotation-plan.ts says so, written to
// DATA/pki atomically (key, then certificate, each through a temporary file and a rename) and handed
// to whoever uses it, live: the listener's next handshakes, a client's next connections. Without
// it, a server that runs for a year serves an expired certificate.

import { X509Certificate } from 'node:crypto';
import type { Logger } from '../../util/log.js';
import { type CertPair, writePair } from '../pki.js';
import { planRotation, type LeafValidity, type RotationPolicy } from './rotation-plan.js';

export interface RotatedLeaf {
  /** The file's base name in DATA/pki (server, kube-scheduler, agent-NODE, ...). */
  name: string;
  current: CertPair;
  /** A new pair to replace the held one (same subject, names and usage), valid for validityMs. */
  issue(held: CertPair, validityMs: number): Promise<CertPair>;
  /** Put the new pair in use (after it was written). */
  use(pair: CertPair): void | Promise<void>;
}

export interface LeafRotatorOptions {
  pkiDir: string;
  leaves: RotatedLeaf[];
  policy: RotationPolicy;
  log: Logger;
  /** After a failed renewal (a full disk): try again this much later (default 30 s). */
  retryMs?: number;
}

function validityOf(name: string, pem: string): LeafValidity {
  try {
    const c = new X509Certificate(pem);
    return { name, notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo) };
  } catch {
    // Unreadable: NaN dates, which the planner renews.
    return { name, notBefore: Number.NaN, notAfter: Number.NaN };
  }
}

/** Renewals in flight at once. */
const RENEWALS_AT_ONCE = 4;

export class LeafRotator {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;
  private readonly byName: Map<string, RotatedLeaf>;

  constructor(private readonly o: LeafRotatorOptions) {
    this.byName = new Map(o.leaves.map((l) => [l.name, l]));
  }

  /** Checks at once (a leaf due at start, or longer-lived than the policy, is renewed now), then as planned. */
  start() {
    this.schedule(0);
  }

  /** Stops checking; a renewal under way finishes (its files are written whole) before this resolves. */
  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    // setTimeout's limit is ~24.8 days; the planner never asks for more than its maximum interval.
    this.timer = setTimeout(
      () => {
        this.running = this.check().finally(() => (this.running = undefined));
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    this.timer.unref();
  }

  private async check() {
    const plan = planRotation(
      [...this.byName.values()].map((l) => validityOf(l.name, l.current.cert)),
      this.o.policy,
      Date.now(),
    );
    let failed = false;
    const renewOne = async (name: string) => {
      const leaf = this.byName.get(name)!;
      try {
        const pair = await leaf.issue(leaf.current, this.o.policy.validityMs);
        await writePair(this.o.pkiDir, leaf.name, pair);
        leaf.current = pair;
        await leaf.use(pair);
        this.o.log.info('renewed a certificate', { certificate: name, notAfter: new Date(validityOf(name, pair.cert).notAfter).toISOString() });
      } catch (e) {
        failed = true;
        this.o.log.warn('renewing a certificate failed; trying again', { certificate: name, err: (e as Error).message });
      }
    };
    // A few at a time: a server has some thirty leaves, all due together once they were renewed
    // together, and one after another on a busy machine they could take longer than a short
    // validity's last fifth (the key generation and signing run on libuv's thread pool).
    // The soonest to expire first.
    const notAfter = (name: string) => validityOf(name, this.byName.get(name)!.current.cert).notAfter || 0;
    const queue = [...plan.renew].sort((a, b) => notAfter(a) - notAfter(b));
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined && !this.stopped; name = queue.shift()) await renewOne(name);
    };
    await Promise.all(Array.from({ length: Math.min(RENEWALS_AT_ONCE, queue.length) }, worker));
    if (this.stopped) return;
    // The renewed ones have new dates: plan again from them. Others may have come due during this
    // pass (planned from the same moment, a second apart): those go at once.
    const again = planRotation(
      [...this.byName.values()].map((l) => validityOf(l.name, l.current.cert)),
      this.o.policy,
      Date.now(),
    );
    // After a failure, not at once (the failed one is still due): a full disk must not spin the loop.
    const wait = again.nextCheckAt - Date.now();
    this.schedule(failed ? Math.min(wait, this.o.retryMs ?? 30_000) : again.renew.length > 0 ? 0 : wait);
  }
}
