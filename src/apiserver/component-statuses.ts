// ComponentStatus objects (`kubectl get cs`), computed on every read and never stored, as
// kube-apiserver does. Its probes dial each component's /healthz; here the scheduler and the
// controller manager may run in another process or on another control-plane machine, so their
// health is what every client can see of them: whether a live instance holds and renews its
// leader-election Lease. etcd-0 is the store this API server uses, probed with a read; on SQLite
// it says so rather than pretending to be etcd.

import type { KindDef, KObject } from '../api/kind.js';
import { notFound } from '../api/errors.js';
import type { Store } from '../store/types.js';
import type { ApiState } from './context.js';
import { type ListPage, Objects, type Stored } from './storage/objects.js';
import { resourcePrefix } from './storage/keys.js';

/** The Leases the components are elected by (controllers/manager.ts, scheduler/elected.ts). */
export const COMPONENT_LEASES: Record<string, string> = { scheduler: 'gifee-scheduler', 'controller-manager': 'gifee-controller-manager' };
/** In Kubernetes' order. */
export const COMPONENT_NAMES = ['scheduler', 'controller-manager', 'etcd-0'];
/** A store that does not answer a read in this long is reported unhealthy (Kubernetes' probes time out too). */
const STORE_PROBE_MS = 2000;

export interface Health {
  healthy: boolean;
  message?: string;
  error?: string;
}

export function componentStatusObject(name: string, h: Health): KObject {
  const condition: Record<string, string> = { type: 'Healthy', status: h.healthy ? 'True' : 'False' };
  if (h.message) condition.message = h.message;
  if (h.error) condition.error = h.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [condition] };
}

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
}

/** Healthy while some instance holds the Lease and renewed it within its duration. */
export function leaseHealth(lease: KObject | undefined, leaseName: string, now = Date.now()): Health {
  const where = `Lease kube-system/${leaseName}`;
  if (!lease) return { healthy: false, error: `${where} not found: no instance of this component is running` };
  const spec = (lease.spec ?? {}) as LeaseSpec;
  if (!spec.holderIdentity) return { healthy: false, error: `${where} has no holder: no instance of this component is leading` };
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : Number.NaN;
  const duration = typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 15;
  if (Number.isNaN(renewed)) return { healthy: false, error: `${where} held by ${spec.holderIdentity} was never renewed` };
  const age = Math.max(0, Math.round((now - renewed) / 1000));
  if (now - renewed > duration * 1000) return { healthy: false, error: `${where} held by ${spec.holderIdentity} was last renewed ${age}s ago (lease duration ${duration}s): the component is not running or cannot reach the API server` };
  return { healthy: true, message: 'ok' };
}

/** p, or a rejection once it has taken longer than ms: a probe of a stalled backend must still answer. */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The store answers a read within STORE_PROBE_MS. */
export async function storeHealth(store: Store, timeoutMs = STORE_PROBE_MS): Promise<Health> {
  try {
    await withTimeout(store.currentRevision(), timeoutMs);
    return store.backend === 'etcd' ? { healthy: true, message: 'ok' } : { healthy: true, message: 'ok (the store is SQLite, embedded in the API server; there is no etcd)' };
  } catch (e) {
    return { healthy: false, error: `${store.backend === 'etcd' ? 'etcd' : 'SQLite store'}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The "storage" of componentstatuses: get and list probe; nothing is ever written. */
export class ComponentStatusObjects extends Objects {
  constructor(
    store: Store,
    def: KindDef,
    private readonly state: ApiState,
  ) {
    super(store, def);
  }

  private async probe(name: string): Promise<KObject> {
    if (name === 'etcd-0') return componentStatusObject(name, await storeHealth(this.store));
    const leaseName = COMPONENT_LEASES[name];
    const leaseDef = this.state.registry.byResource('coordination.k8s.io', 'v1', 'leases');
    let lease: KObject | undefined;
    try {
      lease = leaseDef ? (await withTimeout(this.state.objects(leaseDef).get('kube-system', leaseName), STORE_PROBE_MS))?.obj : undefined;
    } catch (e) {
      return componentStatusObject(name, { healthy: false, error: `reading Lease kube-system/${leaseName}: ${e instanceof Error ? e.message : String(e)}` });
    }
    return componentStatusObject(name, leaseHealth(lease, leaseName));
  }

  override async get(_namespace: string | undefined, name: string): Promise<Stored | null> {
    if (!COMPONENT_NAMES.includes(name)) return null;
    return { obj: await this.probe(name), revision: 0 };
  }

  /** Made up on read, not stored: no stored text to serve. */
  override async getJson(): Promise<undefined> {
    return undefined;
  }

  override async mustGet(namespace: string | undefined, name: string): Promise<Stored> {
    const s = await this.get(namespace, name);
    if (!s) throw notFound({ group: '', resource: 'componentstatuses' }, name);
    return s;
  }

  /** Always the whole (three-item) list: no pages, no continue. */
  override async list(): Promise<ListPage> {
    const items = await Promise.all(COMPONENT_NAMES.map((n) => this.probe(n)));
    return { items, revision: await withTimeout(this.store.currentRevision(), STORE_PROBE_MS).catch(() => 0) };
  }
}

export function installComponentStatuses(state: ApiState) {
  state.storageOverrides.set(resourcePrefix({ group: '', plural: 'componentstatuses' }), (store, def) => new ComponentStatusObjects(store, def, state));
}
