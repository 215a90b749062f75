// The volume binder's API half (Kubernetes' BindPodVolumes), run in PreBind: write the bindings the
// scheduler chose (a static PV's claimRef; a provisioned claim's selected-node annotation), then wait
// until every claim is Bound (the PV controller finishes static bindings, a provisioner and the PV
// controller provisioned ones). The wait is event-driven: the scheduler calls recheck() on every PV,
// PVC and pod event. It fails early when a PV loses its claimRef, a claim loses its selected-node
// annotation (the provisioner gave up), a volume's affinity excludes the node, or the pod goes; and
// after a timeout (Kubernetes' bindTimeoutSeconds, 600 s).

import type { KObject } from '../../api/kind.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE } from '../../api/storage-names.js';
import type { NodeView } from '../../api/scheduling/node-selector.js';
import { podKey, type Pod } from '../types.js';
import type { AssumeCache } from './assume-cache.js';
import type { Pv, Pvc } from '../../api/storage/types.js';
import { volumeNodeAffinityMatches } from '../../api/storage/volume-match.js';

export const DEFAULT_BIND_TIMEOUT_MS = 600_000;

export interface StaticBinding {
  pv: Pv;
  pvc: Pvc;
}

export const claimKey = (pvc: KObject) => `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;

export function isClaimFullyBound(pvc: Pvc | undefined): boolean {
  const a = pvc?.metadata?.annotations;
  return !!pvc?.spec?.volumeName && !!a && typeof a === 'object' && Object.hasOwn(a, ANN_BIND_COMPLETED);
}

const rv = (o: KObject | undefined) => {
  const v = o?.metadata?.resourceVersion;
  return typeof v === 'string' && /^\d{1,30}$/.test(v) ? BigInt(v) : -1n;
};

export interface BinderOptions {
  client: RestClient;
  pvs: AssumeCache<Pv>;
  pvcs: AssumeCache<Pvc>;
  /** Whether the pod still exists (the informer's view). */
  podExists(key: string): boolean;
  node(name: string): NodeView | undefined;
  timeoutMs?: number;
}

type Outcome = { done: true } | { done: false } | { error: string };

export class VolumeBinder {
  private waiting = new Set<() => void>();
  private cancels = new Map<() => void, () => void>();
  readonly timeoutMs: number;

  constructor(private o: BinderOptions) {
    this.timeoutMs = o.timeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
  }

  /** Something the waits depend on changed: re-check them all. */
  recheck() {
    for (const w of [...this.waiting]) w();
  }

  /** Ends every wait (the scheduler stops; its timers must not keep the process alive). */
  close() {
    for (const c of [...this.cancels.values()]) c();
  }

  get pending() {
    return this.waiting.size;
  }

  /** Writes the bindings and waits for them; resolves undefined when all are Bound, else the error. */
  async bind(pod: Pod, node: string, bindings: StaticBinding[], provisions: Pvc[]): Promise<string | undefined> {
    const written: StaticBinding[] = [];
    const claims: Pvc[] = [];
    try {
      for (const b of bindings) {
        const pv = (await this.o.client.update(R.persistentvolumes, b.pv)) as Pv;
        this.o.pvs.assume(pv);
        written.push({ pv, pvc: b.pvc });
      }
      for (const c of provisions) {
        const pvc = (await this.o.client.update(R.persistentvolumeclaims, c)) as Pvc;
        this.o.pvcs.assume(pvc);
        claims.push(pvc);
      }
    } catch (e) {
      return (e as Error).message;
    }
    return this.wait(pod, node, written, claims);
  }

  private wait(pod: Pod, node: string, bindings: StaticBinding[], provisions: Pvc[]): Promise<string | undefined> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: string | undefined) => {
        this.waiting.delete(check);
        this.cancels.delete(check);
        clearTimeout(timer);
        resolve(err);
      };
      const check = () => {
        let r: Outcome;
        try {
          r = this.check(pod, node, bindings, provisions);
        } catch (e) {
          r = { error: (e as Error).message };
        }
        if ('error' in r) finish(`binding volumes: ${r.error}`);
        else if (r.done) finish(undefined);
      };
      this.waiting.add(check);
      timer = setTimeout(() => finish('binding volumes: context deadline exceeded'), this.timeoutMs);
      this.cancels.set(check, () => finish('binding volumes: the scheduler is stopping'));
      check();
    });
  }

  /** Kubernetes' checkBindings: done, not yet, or an error that sends the pod back to scheduling. */
  private check(pod: Pod, nodeName: string, bindings: StaticBinding[], provisions: Pvc[]): Outcome {
    if (!this.o.podExists(podKey(pod))) return { error: `pod "${pod.metadata?.name}" does not exist any more` };
    const node = this.o.node(nodeName);
    if (!node) return { error: `node "${nodeName}" not found` };
    let done = true;
    for (const b of bindings) {
      const name = b.pv.metadata?.name ?? '';
      const pv = this.o.pvs.getAPI(name);
      if (!pv) return { error: `failed to check binding: persistentvolume "${name}" not found` };
      const pvc = this.o.pvcs.getAPI(claimKey(b.pvc));
      if (!pvc) return { error: `failed to check binding: persistentvolumeclaim "${b.pvc.metadata?.name}" not found` };
      // The informer has not yet delivered our own write.
      if (rv(b.pv) > rv(pv)) return { done: false };
      if (!volumeNodeAffinityMatches(pv, node)) return { error: `pv "${name}" node affinity doesn't match node "${nodeName}"` };
      if (!pv.spec?.claimRef?.uid) return { error: `ClaimRef got reset for pv "${name}"` };
      if (!isClaimFullyBound(pvc)) done = false;
    }
    for (const c of provisions) {
      const pvc = this.o.pvcs.getAPI(claimKey(c));
      if (!pvc) return { error: `failed to check provisioning pvc: persistentvolumeclaim "${c.metadata?.name}" not found` };
      if (rv(c) > rv(pvc)) return { done: false };
      const anns = pvc.metadata?.annotations;
      if (!anns || typeof anns !== 'object') return { error: `selectedNode annotation reset for PVC "${pvc.metadata?.name}"` };
      const selected = Object.hasOwn(anns, ANN_SELECTED_NODE) ? anns[ANN_SELECTED_NODE] : '';
      // A provisioner that cannot provision removes the annotation to hand the claim back to the scheduler.
      if (selected !== nodeName) return { error: `provisioning failed for PVC "${pvc.metadata?.name}"` };
      if (pvc.spec?.volumeName) {
        const pv = this.o.pvs.getAPI(pvc.spec.volumeName);
        // Not found yet may be the informer lagging; a PV really gone unbinds the claim eventually.
        if (!pv) return { done: false };
        if (!volumeNodeAffinityMatches(pv, node)) return { error: `pv "${pv.metadata?.name}" node affinity doesn't match node "${nodeName}"` };
      }
      if (!isClaimFullyBound(pvc)) done = false;
    }
    return { done };
  }
}
