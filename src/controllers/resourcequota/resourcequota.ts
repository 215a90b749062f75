// The resource quota controller: keeps each ResourceQuota's status (hard = spec.hard, used = what
// the namespace's objects really use) correct. Quota admission charges creates as they happen; this
// controller recomputes from the shared caches when a quota's spec changes, when an object it
// tracks goes away or gives usage back (a pod that finishes releases its compute), and on a periodic
// full resync, which also corrects charges for writes that failed after admission. Like Kubernetes'
// replenishment, it does not recount when an object appears or grows: admission charged that already,
// and a recount then would read a cache that lacks the creates still in flight (charged, not yet
// stored) and lower status.used under them, letting concurrent creates overrun the quota.
// Pods, Services and PersistentVolumeClaims are always watched; other resources named by a quota
// (secrets, configmaps, count/deployments.apps...) are watched from the first quota that names them.

import type { KObject } from '../../api/kind.js';
import { type Amounts, addAll, amountsOf, listOf, mask, releases, sameAmounts, ZERO } from '../../api/quota/amount.js';
import { LEGACY_COUNT_NAMES, parseCountName } from '../../api/quota/names.js';
import { type GroupResource, matchesAllScopes, matchingResources, usageOf } from '../../api/quota/usage.js';
import { discoverResources, type ServedResource } from '../../client/discovery.js';
import { INDEX_NAMESPACE } from '../../client/indexer.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type ResourceRef, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

const QUOTAS: ResourceRef = { group: '', version: 'v1', plural: 'resourcequotas' };
/** Kubernetes' --resource-quota-sync-period default. */
export const DEFAULT_QUOTA_RESYNC_MS = 5 * 60_000;
/** Discovery is asked again for an unknown resource at most this often. */
const DISCOVERY_TTL_MS = 30_000;
const SYNC_WAIT_MS = 30_000;

// biome-ignore lint/suspicious/noExplicitAny: objects are untyped JSON here, read defensively.
type J = Record<string, any>;
const grKey = (gr: GroupResource) => `${gr.group}/${gr.resource}`;

export class ResourceQuotaController extends Controller {
  private quotas: InformerLike;
  /** Informers of the resources quotas track, by "group/resource". */
  private tracked = new Map<string, InformerLike>();
  private discovered?: { at: number; resources: ServedResource[] };
  private resyncTimer?: NodeJS.Timeout;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    private opts: { resyncMs?: number; now?: () => number } = {},
  ) {
    super('resourcequota', log, factory);
    this.quotas = this.informers.informer(QUOTAS);
    this.watch(this.quotas, (old, o) => {
      if (!o) return undefined;
      const spec = (o.spec ?? {}) as J;
      const status = (o.status ?? {}) as J;
      // Status writes are this controller's own (or admission's charges): only spec changes, and quotas
      // whose status does not reflect their spec yet, need a recount.
      if (old && JSON.stringify(old.spec ?? {}) === JSON.stringify(spec) && status.used && sameAmounts(amountsOf(spec.hard), amountsOf(status.hard))) return undefined;
      return `${o.metadata?.namespace}/${o.metadata?.name}`;
    });
    for (const [gr, ref] of [
      [{ group: '', resource: 'pods' }, R.pods],
      [{ group: '', resource: 'services' }, R.services],
      [{ group: '', resource: 'persistentvolumeclaims' }, R.persistentvolumeclaims],
    ] as const) {
      const inf = this.informers.informer(ref);
      this.tracked.set(grKey(gr), inf);
      this.watchTracked(gr, inf);
    }
    // Quotas are counted too (the resourcequotas resource): one appearing or going wakes its siblings.
    this.tracked.set(grKey({ group: '', resource: 'resourcequotas' }), this.quotas);
    this.watchTracked({ group: '', resource: 'resourcequotas' }, this.quotas);
  }

  /** Releases of a tracked resource wake the quotas of its namespace: deletes, and updates that give usage back. */
  private watchTracked(gr: GroupResource, inf: InformerLike) {
    this.watch(inf, (old, o) => {
      if (!old) return undefined;
      if (o && !releases(usageOf(gr, old, this.now()), usageOf(gr, o, this.now()))) return undefined;
      const ns = (o ?? old)?.metadata?.namespace;
      return ns ? this.quotaKeys(ns) : undefined;
    });
  }

  private now() {
    return this.opts.now?.() ?? Date.now();
  }

  private quotaKeys(namespace: string): string[] {
    return this.quotas.byIndex(INDEX_NAMESPACE, namespace).map((q) => `${namespace}/${q.metadata?.name}`);
  }

  protected override async onCachesSynced() {
    this.resyncTimer = setInterval(() => {
      for (const q of this.quotas.list()) this.enqueue(`${q.metadata?.namespace}/${q.metadata?.name}`);
    }, this.opts.resyncMs ?? DEFAULT_QUOTA_RESYNC_MS);
    this.resyncTimer.unref();
  }

  protected override onStop() {
    clearInterval(this.resyncTimer);
  }

  protected async reconcile(key: string) {
    const quota = this.quotas.get(key);
    if (!quota) return;
    const namespace = quota.metadata?.namespace ?? '';
    const spec = (quota.spec ?? {}) as J;
    const status = (quota.status ?? {}) as J;
    const hard = amountsOf(spec.hard);
    const hardNames = [...hard.keys()];
    // Usage not recomputed here (a resource that is not served) keeps its last observation.
    let used = amountsOf(status.used);
    for (const gr of this.resourcesNamed(hardNames)) {
      const inf = await this.informerFor(gr);
      if (!inf) continue;
      const names = matchingResources(gr, hardNames);
      let sum: Amounts = new Map(names.map((n) => [n, ZERO]));
      for (const obj of inf.byIndex(INDEX_NAMESPACE, namespace)) {
        if (matchesAllScopes(gr, quota, obj)) sum = addAll(sum, mask(usageOf(gr, obj, this.now()), names));
      }
      for (const n of names) used.set(n, sum.get(n) ?? ZERO);
    }
    used = mask(used, hardNames);
    const requeueAfter = this.nextRelease(namespace);
    const dirty = !status.hard || !status.used || !sameAmounts(hard, amountsOf(status.hard)) || !sameAmounts(used, amountsOf(status.used));
    if (dirty) {
      const next: KObject = { ...quota, status: { hard: listOf(hard), used: listOf(used) } };
      try {
        await this.client.update(QUOTAS, next, 'status');
      } catch (e) {
        if (isNotFound(e)) return;
        throw e; // a conflict (admission charged meanwhile) is retried from the fresh cache
      }
    }
    return requeueAfter === undefined ? undefined : { requeueAfter };
  }

  /**
   * When the next pod of the namespace that is being deleted stops counting (its deletion time plus
   * its grace period, as Kubernetes reckons a pod stuck terminating), so its share is released then
   * and not only at the next full resync.
   */
  private nextRelease(namespace: string): number | undefined {
    let next: number | undefined;
    const now = this.now();
    for (const p of this.tracked.get('/pods')?.byIndex(INDEX_NAMESPACE, namespace) ?? []) {
      const del = p.metadata?.deletionTimestamp;
      const grace = p.metadata?.deletionGracePeriodSeconds;
      if (!del || typeof grace !== 'number') continue;
      const at = Date.parse(del) + grace * 1000 + 1000;
      if (Number.isFinite(at) && at > now) next = Math.min(next ?? Number.POSITIVE_INFINITY, at - now);
    }
    return next;
  }

  /** The resources whose usage the quota's names measure: pods, services, claims, and every count/... or legacy count. */
  private resourcesNamed(names: string[]): GroupResource[] {
    const out = new Map<string, GroupResource>();
    const fixed: GroupResource[] = [
      { group: '', resource: 'pods' },
      { group: '', resource: 'services' },
      { group: '', resource: 'persistentvolumeclaims' },
    ];
    for (const gr of fixed) if (matchingResources(gr, names).length) out.set(grKey(gr), gr);
    for (const n of names) {
      const counted = parseCountName(n) ?? (n in LEGACY_COUNT_NAMES ? { group: '', resource: n } : undefined);
      if (counted) out.set(grKey(counted), counted);
    }
    return [...out.values()];
  }

  /** The synced informer of a resource, started on first need; undefined when the server does not serve it namespaced. */
  private async informerFor(gr: GroupResource): Promise<InformerLike | undefined> {
    let inf = this.tracked.get(grKey(gr));
    if (!inf) {
      const served = await this.served(gr);
      if (!served) return undefined;
      inf = this.informers.informer({ group: served.group, version: served.version, plural: served.plural });
      this.tracked.set(grKey(gr), inf);
      this.watchTracked(gr, inf);
      this.informers.start();
      this.log.info('quota controller watching a new resource', { resource: grKey(gr) });
    }
    if (!inf.hasSynced()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), SYNC_WAIT_MS)));
      const r = await Promise.race([inf.waitForSync().then(() => 'synced' as const), timeout]);
      clearTimeout(timer);
      if (r === 'timeout') throw new Error(`cache of ${grKey(gr)} did not sync`);
    }
    return inf;
  }

  private async served(gr: GroupResource): Promise<ServedResource | undefined> {
    const find = () => this.discovered?.resources.find((r) => r.group === gr.group && r.plural === gr.resource && r.namespaced && r.verbs.includes('list') && r.verbs.includes('watch'));
    const hit = find();
    if (hit || (this.discovered && this.now() - this.discovered.at < DISCOVERY_TTL_MS)) return hit;
    this.discovered = { at: this.now(), resources: await discoverResources(this.client) };
    return find();
  }
}
