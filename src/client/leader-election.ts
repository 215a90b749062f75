// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate takes
// the lease when it is free or its holder has not renewed it for leaseDuration (measured on the
// candidate's own clock from when it last saw the record change, so clock skew between machines
// does not matter); the leader renews every retryPeriod and gives up leading if it cannot renew
// within renewDeadline; every write carries the resourceVersion it read, so two candidates racing
// for the same lease cannot both win. Stopping a leader releases the lease so a standby takes over
// at once instead of after leaseDuration. A leader that stepped down (could not renew in time) is a
// candidate again at once, so it or a standby leads again within the lease duration on its own. Every
// attempt is bounded in time: a request that stalls can neither keep a leader leading past its
// renewDeadline nor keep a candidate from ever campaigning again.

import { rfc3339Micro } from '../util/time.js';
import { hostname } from 'node:os';
import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { R } from './resources.js';
import { isConflict, isNotFound, type RestClient } from './rest.js';
import { logFailure } from '../util/best-effort.js';

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  name: string;
  /** Who this candidate is; must be unique among candidates (client-go: hostname + uuid). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** How long a leader that is stopping keeps renewing while onStoppedLeading runs (default 30 s). */
  stopGraceMs?: number;
  /** Called each time this candidate becomes the leader. */
  onStartedLeading(): void | Promise<void>;
  /** Called each time this candidate stops leading (lost the lease, or stop()). */
  onStoppedLeading(): void | Promise<void>;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
  log: Logger;
  /** Time, for tests with a fake clock (default: the real one). */
  clock?: ElectionClock;
}

export interface ElectionClock {
  now(): number;
  /** Resolve after ms, or at once when signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KObject & { spec?: LeaseSpec };

/**
 * How a candidate came to hold the lease: it made the lease, took one its holder had released, took
 * one whose holder stopped renewing for leaseDuration, or still held it (a leader that stepped down
 * and renewed its own lease in time). Logged and kept, so an operator (and a
 * test on a loaded machine) can tell a clean handover from a failover without timing it.
 */
export type Acquisition = 'created' | 'released' | 'expired' | 'held';

const leading = metrics.gauge('leader_election_master_status', 'Whether this process leads (1) or stands by (0), per lease, as client-go reports it.');

/** MicroTime, as Kubernetes writes it: RFC 3339 with microseconds. */
export const microTime = (d = new Date()) => rfc3339Micro(d);

const realSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

const realClock: ElectionClock = { now: Date.now, sleep: realSleep };

/** A period with up to 20% jitter added, so candidates do not retry in lockstep. */
const jittered = (ms: number) => ms * (1 + Math.random() * 0.2);

export class LeaderElector {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** How long a stopping leader keeps its lease while onStoppedLeading runs. */
  readonly stopGraceMs: number;
  private leading = false;
  private observed?: { record: string; at: number; lease: Lease };
  private lastLeader = '';
  private acquiredBy?: Acquisition;
  /** What the winning attempt of the current campaign did (none: it renewed a lease it still held). */
  private taking?: Acquisition;
  private abort = new AbortController();
  private loop?: Promise<void>;
  private clock: ElectionClock;

  constructor(private opts: LeaderElectionOptions) {
    this.clock = opts.clock ?? realClock;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.stopGraceMs = opts.stopGraceMs ?? 30_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error(`leader election: leaseDuration (${this.leaseDurationMs}ms) must be greater than renewDeadline (${this.renewDeadlineMs}ms)`);
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) throw new Error(`leader election: renewDeadline (${this.renewDeadlineMs}ms) must be greater than retryPeriod*1.2 (${this.retryPeriodMs * 1.2}ms)`);
  }

  get identity() {
    return this.opts.identity;
  }

  isLeader() {
    return this.leading;
  }

  /** The holder this candidate last observed ('' when none). */
  leader() {
    return this.lastLeader;
  }

  /** How this candidate last became the leader (undefined before it ever led). */
  lastAcquisition() {
    return this.acquiredBy;
  }

  /** Campaign until stop(): acquire, lead while renewing, and campaign again after losing. */
  start() {
    if (!this.loop) leading.set(0, { name: `${this.opts.namespace}/${this.opts.name}` });
    this.loop ??= this.run();
  }

  /** Stop campaigning; a leader stops leading and releases the lease. */
  async stop() {
    this.abort.abort();
    await this.loop;
  }

  private async run() {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (!(await this.acquire(signal))) break;
      this.leading = true;
      this.acquiredBy = this.taking ?? 'held';
      leading.set(1, { name: `${this.opts.namespace}/${this.opts.name}` });
      this.opts.log.info('became leader', { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity, from: this.acquiredBy });
      await this.callback('onStartedLeading');
      await this.renew(signal);
      this.leading = false;
      leading.set(0, { name: `${this.opts.namespace}/${this.opts.name}` });
      // On stop, keep the lease renewed while what we led winds down, then release it: no standby
      // acts before our controllers have stopped, and none waits for the lease to expire because
      // stopping took longer than the lease on a loaded machine. Bounded, so a callback that hangs
      // only costs the standby the lease duration after the bound.
      const keep = signal.aborted ? this.keepRenewing(this.stopGraceMs) : undefined;
      await this.callback('onStoppedLeading');
      await keep?.stop();
      // Bounded: a server that does not answer must not hold up shutdown (the lease then just expires).
      // The bound is a renewal's, not a retry period's: on a loaded machine one update can take longer
      // than a retry period, and a release given up too soon costs the standby the whole lease.
      if (signal.aborted)
        await this.withTimeout(
          this.release().then(() => true),
          this.renewDeadlineMs,
          false,
        );
      else this.opts.log.warn('stopped leading; campaigning again', { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
    }
  }

  private async callback(name: 'onStartedLeading' | 'onStoppedLeading') {
    try {
      await this.opts[name]();
    } catch (e) {
      this.opts.log.error(`leader election ${name} failed`, { err: e });
    }
  }

  /** Retry every retryPeriod until the lease is ours; false if stopped first. */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.taking = undefined;
    while (!signal.aborted) {
      // Bounded like a renewal: a stalled request must not end the campaign.
      if (await this.withTimeout(this.tryAcquireOrRenew(), this.renewDeadlineMs)) return true;
      await this.clock.sleep(jittered(this.retryPeriodMs), signal);
    }
    return false;
  }

  /** Renew every retryPeriod; return when renewing failed for renewDeadline, someone else took it, or stop. */
  private async renew(signal: AbortSignal) {
    const lease = `${this.opts.namespace}/${this.opts.name}`;
    let lastRenewed = this.clock.now();
    while (!signal.aborted) {
      await this.clock.sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      const ok = await this.withTimeout(this.tryAcquireOrRenew(), this.renewDeadlineMs - (this.clock.now() - lastRenewed));
      if (ok) lastRenewed = this.clock.now();
      else if (this.lastLeader && this.lastLeader !== this.opts.identity) {
        this.opts.log.warn('another candidate holds the lease; stepping down', { lease, holder: this.lastLeader });
        return;
      } else if (this.clock.now() - lastRenewed >= this.renewDeadlineMs) {
        this.opts.log.warn('could not renew the lease within renewDeadline; stepping down', { lease, renewDeadlineMs: this.renewDeadlineMs });
        return;
      }
    }
  }

  /** Renew every retryPeriod (without the stop signal) until stop() or ms have passed. */
  private keepRenewing(ms: number) {
    const done = new AbortController();
    const until = this.clock.now() + ms;
    const loop = (async () => {
      while (!done.signal.aborted && this.clock.now() < until) {
        await this.clock.sleep(this.retryPeriodMs, done.signal);
        if (done.signal.aborted) return;
        await this.withTimeout(this.tryAcquireOrRenew(true), this.renewDeadlineMs, false);
      }
    })();
    return {
      stop: async () => {
        done.abort();
        await loop;
      },
    };
  }

  /**
   * The attempt's outcome, or false if it has not settled within ms or stop() was called (it may
   * still land later: harmless, it only writes our own lease).
   */
  private async withTimeout(p: Promise<boolean>, ms: number, untilStopped = true): Promise<boolean> {
    const stop = new AbortController();
    const signal = untilStopped ? AbortSignal.any([stop.signal, this.abort.signal]) : stop.signal;
    const timeout = this.clock.sleep(Math.max(ms, 0), signal).then(() => false);
    try {
      return await Promise.race([p, timeout]);
    } finally {
      stop.abort();
    }
  }

  private observe(lease: Lease) {
    const record = JSON.stringify(lease.spec ?? {});
    if (this.observed?.record !== record) this.observed = { record, at: this.clock.now(), lease };
    else this.observed.lease = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder) this.opts.onNewLeader?.(holder);
    }
  }

  /**
   * One attempt: create the lease, take it over, or renew it. True when this candidate holds it now.
   * renewOnly: a leader that is stopping renews what it holds and never takes the lease back.
   */
  private async tryAcquireOrRenew(renewOnly = false): Promise<boolean> {
    const { client, namespace, name, identity } = this.opts;
    const now = microTime(new Date(this.clock.now()));
    const spec: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)), acquireTime: now, renewTime: now, leaseTransitions: 0 };
    try {
      let current: Lease;
      try {
        current = (await client.get(R.leases, namespace, name)) as Lease;
      } catch (e) {
        if (!isNotFound(e) || renewOnly) throw e;
        const created = (await client.create(R.leases, namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec } as KObject)) as Lease;
        this.observe(created);
        this.taking = 'created';
        return true;
      }
      this.observe(current);
      const old = current.spec ?? {};
      if (renewOnly && old.holderIdentity !== identity) return false;
      const held = !!old.holderIdentity && old.holderIdentity !== identity;
      // Someone else's lease that has not expired (by our clock, since we last saw it change) is theirs.
      const expiresAt = this.observed!.at + (old.leaseDurationSeconds ?? 0) * 1000;
      if (held && expiresAt > this.clock.now()) return false;
      if (old.holderIdentity === identity) {
        spec.acquireTime = old.acquireTime ?? now;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      const updated = (await client.update(R.leases, { ...current, spec: { ...old, ...spec } })) as Lease;
      this.observe(updated);
      if (old.holderIdentity !== identity) this.taking = held ? 'expired' : 'released';
      return true;
    } catch (e) {
      // A conflict means another candidate wrote first: we lost this round, try again later.
      if (!isConflict(e)) this.opts.log.debug('leader election attempt failed', { lease: `${namespace}/${name}`, err: e });
      return false;
    }
  }

  /** Give the lease up (holder cleared, 1s duration) so a standby takes it at its next retry. */
  private async release() {
    const { client, namespace, name, identity } = this.opts;
    let lease = this.observed?.lease;
    // Twice at most: a renewal that outlived its timeout may have landed after we last observed the
    // lease, so a conflict is answered by reading it again (and releasing only if it is still ours).
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      const now = microTime(new Date(this.clock.now()));
      try {
        await client.update(R.leases, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
        this.opts.log.info('released leadership', { lease: `${namespace}/${name}`, identity });
        return;
      } catch (e) {
        if (attempt === 0 && isConflict(e)) {
          lease = (await client.get(R.leases, namespace, name).catch(logFailure(this.opts.log, 'reading the lease again to release it (a standby takes over once it expires)'))) as Lease | undefined;
          continue;
        }
        this.opts.log.warn('could not release the lease; a standby takes over once it expires', { err: e });
        return;
      }
    }
  }
}

/**
 * A default identity that is unique per control plane yet stable across its restarts (host name and
 * API server port), so a server killed and restarted takes its own lease back at once instead of
 * waiting out the lease; candidates sharing a host and server must pass distinct identities.
 */
export function stableIdentity(server: string): string {
  let port = '';
  try {
    port = new URL(server).port;
  } catch {
    /* not a URL: host name alone */
  }
  return port ? `${hostname()}_${port}` : hostname();
}
