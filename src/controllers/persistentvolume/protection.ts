// The storage-object-in-use protection controllers (Kubernetes' pvc-protection and pv-protection):
// a claim carries kubernetes.io/pvc-protection and a volume kubernetes.io/pv-protection (the
// StorageObjectInUseProtection admission plugin adds them on create; these controllers add them to
// objects made before), and the finalizer is removed only once the object is being deleted and no
// longer in use: a claim no scheduled, not shut-down pod uses (the pod cache first, then a live list
// so a stale cache never frees a claim a new pod took), a volume that is not Bound. So `kubectl
// delete pvc` of a claim a running pod uses leaves it Terminating until the pod goes.

import type { Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type ResourceRef, type RestClient } from '../../client/rest.js';
import { FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION } from '../../api/storage-names.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { INDEX_POD_CLAIMS, podClaimNames, podsByClaim } from './pod-claims.js';
import type { Pv } from '../../api/storage/types.js';

/** Kubernetes' podIsShutDown: the kubelet is done with it (terminal phase), or it was force-deleted. */
export function podIsShutDown(pod: KObject): boolean {
  const meta = pod.metadata;
  if (meta?.deletionTimestamp && meta.deletionGracePeriodSeconds === 0) return true;
  const phase = (pod as Pod).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Whether a pod keeps a claim in use: scheduled (the agent refuses to start pods on claims being deleted) and not shut down. */
export function podUsesClaim(pod: KObject, claimName: string): boolean {
  if (!(pod as Pod).spec?.nodeName) return false;
  if (podIsShutDown(pod)) return false;
  return podClaimNames(pod).includes(claimName);
}

const finalizersOf = (o: KObject) => (o.metadata?.finalizers ?? []) as string[];

/** Writes o with its finalizers changed (update on the cached version: a conflict retries from a fresher cache). */
async function setFinalizers(client: RestClient, r: ResourceRef, o: KObject, finalizers: string[]) {
  await client.update(r, { ...o, metadata: { ...o.metadata, finalizers } }).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
}

export class PvcProtectionController extends Controller {
  readonly claims: InformerLike;
  private readonly pods: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('pvc-protection', log, factory, 2);
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_POD_CLAIMS]: podsByClaim });
    this.watch(this.claims, ownKey);
    // A pod that goes (or finishes) may free the claims being deleted that it used.
    this.watch(this.pods, (old, p) => {
      const keys = new Set<string>();
      for (const pod of [old, p]) {
        if (!pod) continue;
        for (const name of podClaimNames(pod)) {
          const key = `${pod.metadata?.namespace}/${name}`;
          if (this.claims.get(key)?.metadata?.deletionTimestamp) keys.add(key);
        }
      }
      return keys;
    });
  }

  protected async reconcile(key: string) {
    const c = this.claims.get(key);
    if (!c) return;
    const finalizers = finalizersOf(c);
    const has = finalizers.includes(FINALIZER_PVC_PROTECTION);
    if (!c.metadata?.deletionTimestamp) {
      if (!has) await setFinalizers(this.client, R.persistentvolumeclaims, c, [...finalizers, FINALIZER_PVC_PROTECTION]);
      return;
    }
    if (!has || (await this.inUse(c))) return;
    await setFinalizers(
      this.client,
      R.persistentvolumeclaims,
      c,
      finalizers.filter((f) => f !== FINALIZER_PVC_PROTECTION),
    );
    this.log.info('claim no longer in use: protection removed', { claim: key });
  }

  private async inUse(c: KObject): Promise<boolean> {
    const ns = c.metadata?.namespace ?? '';
    const name = c.metadata?.name ?? '';
    if (this.pods.byIndex(INDEX_POD_CLAIMS, `${ns}/${name}`).some((p) => podUsesClaim(p, name))) return true;
    // The cache says unused: make sure with the API server (a pod may have been created a moment ago).
    const live = (await this.client.list(R.pods, ns)) as { items?: KObject[] };
    return (live.items ?? []).some((p) => podUsesClaim(p, name));
  }
}

export class PvProtectionController extends Controller {
  readonly volumes: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('pv-protection', log, factory, 1);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.watch(this.volumes, ownKey);
  }

  protected async reconcile(key: string) {
    const v = this.volumes.get(key) as Pv | undefined;
    if (!v) return;
    const finalizers = finalizersOf(v);
    const has = finalizers.includes(FINALIZER_PV_PROTECTION);
    if (!v.metadata?.deletionTimestamp) {
      if (!has) await setFinalizers(this.client, R.persistentvolumes, v, [...finalizers, FINALIZER_PV_PROTECTION]);
      return;
    }
    // A Bound volume is in use (Kubernetes' isBeingUsed).
    if (!has || v.status?.phase === 'Bound') return;
    await setFinalizers(
      this.client,
      R.persistentvolumes,
      v,
      finalizers.filter((f) => f !== FINALIZER_PV_PROTECTION),
    );
    this.log.info('volume no longer bound: protection removed', { volume: key });
  }
}
