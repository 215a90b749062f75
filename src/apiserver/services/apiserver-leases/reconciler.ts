// The kubernetes Service's endpoint reconciler, as kube-apiserver's "lease" reconciler: every API
// server holds a Lease in kube-system (apiserver-<hash of its advertised address:port>, labelled
// apiserver.kubernetes.io/identity=kube-apiserver, its address and port in annotations) and renews it
// every renewInterval; then it reads the live leases and writes `default/kubernetes` (Endpoints and
// EndpointSlice) to exactly their addresses (plan.ts). A server that dies stops renewing and drops out
// once its lease expires; one that stops cleanly deletes its lease and takes its address out at once.
//
// Every server reconciles, none is elected (as in Kubernetes): a server alone keeps itself listed
// without waiting for an election, and since all plan the same list from the same leases, a write
// happens only when the live set changes. Leases expired for a further lease duration are deleted.
// Each lease also carries its server's gifee version: a server more than one minor version away
// from a live one does not start, and one found later (both started at once) is warned about.
// Store errors are logged and retried next round, never
// thrown into the server.

import type { Lease } from '../../../api/core/index.js';
import { rfc3339Micro } from '../../../util/time.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultObject } from '../../../api/defaults.js';
import type { KObject } from '../../../api/kind.js';
import { ApiError } from '../../../api/errors.js';
import { LABEL_HOSTNAME } from '../../../api/well-known.js';
import type { Logger } from '../../../util/log.js';
import type { ApiState } from '../../context.js';
import { nowSeconds } from '../../prepare.js';
import { GIFEE_VERSION } from '../../../api/version.js';
import { serverSkewProblem } from '../../../api/version-skew.js';
import { ADDRESS_ANNOTATION, type Endpoint, IDENTITY_LABEL, IDENTITY_VALUE, leaseLive, leaseNameFor, parseLease, planEndpoints, PORT_ANNOTATION, VERSION_ANNOTATION } from './plan.js';
import { writeKubernetesEndpoints } from './write-endpoints.js';

export interface EndpointLeaseOptions {
  /** How long a lease vouches for its server (default 15 s, kube-apiserver's DefaultEndpointReconcilerTTL). */
  leaseDurationMs?: number;
  /** How often a server renews its lease and reconciles (default 10 s, DefaultEndpointReconcilerInterval). */
  renewIntervalMs?: number;
  /** At most this many servers are listed (default 64). */
  maxServers?: number;
  /** The gifee version this server publishes on its lease (default: its own; tests give others). */
  version?: string;
}

/** A server whose version is too far from a live server's (version-skew.ts): it does not start. */
export class ServerVersionSkewError extends Error {}

const NS = 'kube-system';
/** Leases read per round: kube-system holds a few leader-election leases beside these. */
const LIST_LIMIT = 1000;
/** Expired leases deleted per round, at most. */
const GC_PER_ROUND = 10;
/** A clean stop's removal may take at most this long (the server's own shutdown budget is 2.5 s). */
const STOP_BOUND_MS = 1500;

const hostLabel = (h: string): Record<string, string> => (/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(h) ? { [LABEL_HOSTNAME]: h } : {});

export class EndpointLeaseReconciler {
  readonly leaseName: string;
  /** The process holding the lease (Kubernetes: apiserver-<id>_<uuid>). */
  readonly holderIdentity: string;
  private readonly durationMs: number;
  private readonly intervalMs: number;
  private readonly maxServers: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastPlan = '';
  private readonly version: string;
  /** Skewed servers already warned about (address:port@version). */
  private readonly skewWarned = new Set<string>();

  constructor(
    private state: ApiState,
    private self: Endpoint,
    private log: Logger,
    opts: EndpointLeaseOptions = {},
    /** Puts the kubernetes Service back if it is gone, each round (as kube-apiserver's bootstrap controller). */
    private ensureService: () => Promise<void> = async () => {},
  ) {
    this.durationMs = Math.max(1000, opts.leaseDurationMs ?? 15_000);
    this.intervalMs = Math.max(100, opts.renewIntervalMs ?? 10_000);
    this.maxServers = Math.max(1, opts.maxServers ?? 64);
    this.version = opts.version ?? GIFEE_VERSION;
    this.leaseName = leaseNameFor(self);
    this.holderIdentity = `${this.leaseName}_${randomUUID()}`;
    if (this.intervalMs >= this.durationMs) log.warn('the lease renew interval is not shorter than its duration: this server may drop out of the kubernetes endpoints between renewals', { renewIntervalMs: this.intervalMs, leaseDurationMs: this.durationMs });
  }

  /**
   * One round now (awaited: the server lists itself before it is ready), then one every renewInterval.
   * First, the skew policy: a live server more than one minor version away stops this one from
   * starting (ServerVersionSkewError, before it takes a lease).
   */
  async start() {
    const skew = (await this.skewedServers())[0];
    if (skew) throw new ServerVersionSkewError(`${skew.problem} (server ${skew.address}:${skew.port}; docs/upgrades.md)`);
    await this.round();
    this.schedule();
  }

  /** Live servers (other than this one) whose version this one may not serve a cluster with. */
  private async skewedServers(items?: KObject[]): Promise<{ address: string; port: number; version?: string; problem: string }[]> {
    const leases = items ?? (await this.state.objects(this.leaseDef()).list(NS, { limit: LIST_LIMIT })).items;
    const now = Date.now();
    const out = [];
    for (const o of leases) {
      const l = parseLease(o);
      if (!l || o.metadata?.name === this.leaseName || !leaseLive(l, now)) continue;
      const problem = serverSkewProblem(this.version, l.version);
      if (problem) out.push({ address: l.address, port: l.port, version: l.version, problem });
    }
    return out;
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async round(includeSelf = true) {
    if (includeSelf) {
      try {
        await this.ensureService();
      } catch (e) {
        this.log.warn('could not ensure the kubernetes service', { err: (e as Error).message });
      }
    }
    try {
      if (includeSelf) await this.renew();
    } catch (e) {
      this.log.warn('could not renew the API server lease', { lease: `${NS}/${this.leaseName}`, err: (e as Error).message });
    }
    try {
      await this.reconcile(includeSelf);
    } catch (e) {
      this.log.warn('could not reconcile the kubernetes endpoints', { err: (e as Error).message });
    }
  }

  private leaseDef() {
    const def = this.state.registry.byResource('coordination.k8s.io', 'v1', 'leases');
    if (!def) throw new Error('coordination.k8s.io/v1 leases are not served');
    return def;
  }

  /** Create or renew this server's lease (taking it over from an earlier process at the same endpoint). */
  private async renew() {
    const def = this.leaseDef();
    const leases = this.state.objects(def);
    const now = new Date();
    const micro = rfc3339Micro(now);
    const spec = { holderIdentity: this.holderIdentity, leaseDurationSeconds: Math.ceil(this.durationMs / 1000), renewTime: micro };
    const meta = {
      labels: { [IDENTITY_LABEL]: IDENTITY_VALUE, ...hostLabel(hostname()) },
      annotations: { [ADDRESS_ANNOTATION]: this.self.address, [PORT_ANNOTATION]: String(this.self.port), [VERSION_ANNOTATION]: this.version },
    };
    const cur = await leases.get(NS, this.leaseName);
    if (!cur) {
      const obj: KObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.leaseName, namespace: NS, uid: randomUUID(), creationTimestamp: nowSeconds(), ...meta }, spec: { ...spec, acquireTime: micro } };
      defaultObject(def, obj);
      try {
        await leases.create(obj);
        this.log.info('created the API server lease', { lease: `${NS}/${this.leaseName}`, address: this.self.address, port: this.self.port });
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
      }
      return;
    }
    const old = (cur.obj.spec ?? {}) as Record<string, unknown>;
    const next = structuredClone(cur.obj);
    next.metadata = { ...next.metadata, labels: { ...next.metadata?.labels, ...meta.labels }, annotations: { ...next.metadata?.annotations, ...meta.annotations } };
    next.spec = { ...old, ...spec, acquireTime: old.holderIdentity === this.holderIdentity ? (old.acquireTime ?? micro) : micro };
    defaultObject(def, next);
    await leases.update(next, cur.revision);
  }

  private async reconcile(includeSelf: boolean) {
    const page = await this.state.objects(this.leaseDef()).list(NS, { limit: LIST_LIMIT });
    if (page.continueKey) this.log.warn('more leases in kube-system than one round reads; later ones are not seen', { limit: LIST_LIMIT });
    const now = Date.now();
    const desired = planEndpoints({ leases: page.items, now, self: this.self, includeSelf, maxServers: this.maxServers });
    if (desired) {
      const written = await writeKubernetesEndpoints(this.state, desired);
      const plan = `${desired.addresses.join(',')}:${desired.port}`;
      if (written.length || plan !== this.lastPlan) this.log.info('kubernetes endpoints', { addresses: desired.addresses, port: desired.port, written });
      this.lastPlan = plan;
    }
    await this.collectExpired(page.items, now);
    // A server started past the skew check (both at once, or before this one) is said about once.
    for (const k of await this.skewedServers(page.items)) {
      const key = `${k.address}:${k.port}@${k.version}`;
      if (this.skewWarned.has(key)) continue;
      this.skewWarned.add(key);
      this.log.warn('a live API server is too many versions away from this one', { server: `${k.address}:${k.port}`, version: k.version, problem: k.problem });
    }
  }

  /**
   * Delete leases of servers gone for longer than a lease duration past their expiry (as Kubernetes'
   * apiserver lease garbage collector), a few per round: a server that died or moved address leaves
   * no lease behind for good. Only leases this reconciler understands (plan.ts parseLease); each
   * delete carries the revision it read, so a lease renewed meanwhile stays, and another server
   * deleting it first is no error.
   */
  private async collectExpired(items: KObject[], now: number) {
    const leases = this.state.objects(this.leaseDef());
    let deleted = 0;
    for (const o of items) {
      if (deleted >= GC_PER_ROUND) return;
      const l = parseLease(o);
      const name = o.metadata?.name;
      if (!l || !name || name === this.leaseName || l.expiresAt + this.durationMs > now) continue;
      const revision = Number(o.metadata?.resourceVersion);
      if (!Number.isSafeInteger(revision)) continue;
      try {
        await leases.delete(NS, name, revision);
        deleted++;
        this.log.info('deleted an expired API server lease', { lease: `${NS}/${name}`, address: l.address, port: l.port });
      } catch (e) {
        if (e instanceof ApiError && (e.reason === 'NotFound' || e.reason === 'Conflict')) continue;
        this.log.warn('could not delete an expired API server lease', { lease: `${NS}/${name}`, err: (e as Error).message });
        return;
      }
    }
  }

  /**
   * Stop renewing. clean: delete this server's lease and take its address out of the endpoints now
   * (unless it is the last one), bounded so a store that does not answer cannot hold up shutdown.
   */
  async stop(clean = true) {
    this.stopped = true;
    clearTimeout(this.timer);
    const work = (async () => {
      await this.running;
      if (!clean) return;
      try {
        const leases = this.state.objects(this.leaseDef());
        const cur = await leases.get(NS, this.leaseName);
        // Only our own: a newer process at the same endpoint holds it now.
        if (cur && (cur.obj as Lease).spec?.holderIdentity === this.holderIdentity) await leases.delete(NS, this.leaseName, cur.revision);
      } catch (e) {
        this.log.warn('could not delete the API server lease', { lease: `${NS}/${this.leaseName}`, err: (e as Error).message });
      }
      await this.round(false);
    })();
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise<void>((r) => (bound = setTimeout(r, STOP_BOUND_MS)))]);
    clearTimeout(bound);
  }
}
