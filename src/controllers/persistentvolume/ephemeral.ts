// The ephemeral volume controller (Kubernetes' ephemeral-volume-controller): for each generic
// ephemeral volume of a pod (spec.volumes[].ephemeral) it creates the claim `<pod>-<volume>` from the
// volume's claim template, controlled by the pod (so the garbage collector deletes it with the pod).
// A claim of that name the pod does not control is never used: the pod gets the event FailedBinding
// saying so, as Kubernetes records it, and the pod stays waiting for its volume.

import type { Pod, Volume } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { ephemeralClaimName } from './pod-claims.js';

const ephemeralVolumes = (pod: KObject): Volume[] => {
  const volumes = (pod as Pod).spec?.volumes;
  return Array.isArray(volumes) ? volumes.filter((v) => v?.ephemeral && typeof v.name === 'string') : [];
};

/** Kubernetes' ephemeral.VolumeIsForPod: the claim is controlled by this very pod. */
export function claimIsForPod(pod: KObject, claim: KObject): string | undefined {
  const ref = claim.metadata?.ownerReferences?.find((r) => r.controller);
  if (ref?.uid === pod.metadata?.uid) return undefined;
  return `PVC ${claim.metadata?.namespace}/${claim.metadata?.name} was not created for pod ${pod.metadata?.namespace}/${pod.metadata?.name} (pod is not owner)`;
}

export class EphemeralVolumeController extends Controller {
  readonly pods: InformerLike;
  private readonly claims: InformerLike;
  private readonly events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('ephemeral-volume', log, factory, 1);
    this.events = new EventRecorder(client, 'ephemeral_volume', log);
    this.pods = this.informers.informer(R.pods);
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.watch(this.pods, (_old, p) => (p && !p.metadata?.deletionTimestamp && ephemeralVolumes(p).length > 0 ? `${p.metadata?.namespace}/${p.metadata?.name}` : undefined));
    // A claim deleted under a live pod is made again.
    this.watch(this.claims, (old, c) => {
      if (c || !old) return undefined;
      const ref = old.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'Pod');
      return ref ? `${old.metadata?.namespace}/${ref.name}` : undefined;
    });
  }

  protected async reconcile(key: string) {
    const pod = this.pods.get(key);
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const ns = pod.metadata?.namespace ?? '';
    for (const v of ephemeralVolumes(pod)) {
      const name = ephemeralClaimName(pod.metadata?.name ?? '', v.name);
      const existing = this.claims.get(`${ns}/${name}`);
      if (existing) {
        const why = claimIsForPod(pod, existing);
        if (!why) continue;
        this.events.record(pod, 'Warning', 'FailedBinding', `ephemeral volume ${v.name}: ${why}`);
        throw new Error(`pod ${key}, ephemeral volume ${v.name}: ${why}`);
      }
      const t = v.ephemeral?.volumeClaimTemplate ?? {};
      const claim: KObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: ns,
          ...(t.metadata?.labels ? { labels: t.metadata.labels } : {}),
          ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
          ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: t.spec ?? {},
      };
      try {
        await this.client.create(R.persistentvolumeclaims, ns, claim);
      } catch (e) {
        this.events.record(pod, 'Warning', 'FailedBinding', `ephemeral volume ${v.name}: create PVC ${name}: ${(e as Error).message}`);
        throw e;
      }
      this.log.info('claim created for an ephemeral volume', { pod: key, claim: name });
    }
  }
}
