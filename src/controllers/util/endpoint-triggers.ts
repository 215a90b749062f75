// Which Services a pod change concerns, for both endpoint controllers (Kubernetes' endpointutil
// GetServicesToUpdateOnPodChange): a pod update that leaves everything endpoints are made of as it
// was (a status write of a container's restart count, a new annotation) queues nothing; one that
// changes labels also queues the Services that selected the pod before.

import type { PodStatus } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { INDEX_NAMESPACE } from '../../client/indexer.js';
import { isPodReady, podIP, podSpec, selects } from './endpoint-pods.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What an endpoint is made of: addresses, readiness, phase, termination, naming, node, ports. */
export function endpointFieldsChanged(old: KObject, pod: KObject): boolean {
  const s = podSpec;
  const st = (p: KObject) => (p.status ?? {}) as PodStatus;
  return (
    podIP(old) !== podIP(pod) ||
    !same(st(old).podIPs, st(pod).podIPs) ||
    isPodReady(old) !== isPodReady(pod) ||
    st(old).phase !== st(pod).phase ||
    !!old.metadata?.deletionTimestamp !== !!pod.metadata?.deletionTimestamp ||
    s(old).nodeName !== s(pod).nodeName ||
    s(old).hostname !== s(pod).hostname ||
    s(old).subdomain !== s(pod).subdomain ||
    !same(
      s(old).containers?.map((c) => c.ports),
      s(pod).containers?.map((c) => c.ports),
    )
  );
}

/** Keys ("ns/name") of the Services a pod add (old undefined), update or delete (pod undefined) concerns. */
export function servicesForPodChange(services: { byIndex(index: string, value: string): KObject[] }, old: KObject | undefined, pod: KObject | undefined): Set<string> {
  const keys = new Set<string>();
  const add = (p: KObject) => {
    for (const s of services.byIndex(INDEX_NAMESPACE, p.metadata?.namespace ?? '')) if (selects(s, p)) keys.add(`${s.metadata!.namespace}/${s.metadata!.name}`);
  };
  if (!old || !pod) {
    add((pod ?? old)!);
    return keys;
  }
  const labelsChanged = !same(old.metadata?.labels, pod.metadata?.labels);
  if (!labelsChanged && !endpointFieldsChanged(old, pod)) return keys;
  add(pod);
  if (labelsChanged) add(old);
  return keys;
}
