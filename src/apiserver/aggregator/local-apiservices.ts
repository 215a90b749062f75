// Local APIServices for every group/version this server serves itself, as kube-apiserver's
// autoregister controller keeps them: labelled kube-aggregator.kubernetes.io/automanaged (onstart
// for built-in groups, true for those of CRDs),
// created at start, added when a kind of a new group/version is registered at run time
// (KindRegistry.onChange: CRDs) and removed when its last kind goes. Objects a user made, or that
// name an extension server, are never touched.

import { randomUUID } from 'node:crypto';
import type { KObject } from '../../api/kind.js';
import type { ApiState } from '../context.js';
import { nowSeconds } from '../prepare.js';
import { isLocal, type APIService } from '../../api/kinds/apiregistration/apiservice.js';
import { logFailureOnce } from '../../util/best-effort.js';

export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

/** Discovery order of the built-in groups (Kubernetes' table, in spirit): earlier groups get a higher groupPriorityMinimum. */
const GROUP_ORDER = [
  '',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'apps',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'apiregistration.k8s.io',
];

/** Groups gifee serves built in that Kubernetes gets from an extension server: the priorities that server's APIService has (metrics-server's). */
const EXTENSION_PRIORITIES: Record<string, { groupPriorityMinimum: number; versionPriority: number }> = { 'metrics.k8s.io': { groupPriorityMinimum: 100, versionPriority: 100 } };

export const apiServiceName = (group: string, version: string) => `${version}.${group}`;

/** The APIServices the registry calls for, by name. */
export function desiredLocalAPIServices(state: ApiState): Map<string, KObject> {
  const out = new Map<string, KObject>();
  const custom = new Set(
    state.registry
      .all()
      .filter((d) => d.custom)
      .map((d) => `${d.group}/${d.version}`),
  );
  for (const g of state.registry.groups()) {
    const idx = GROUP_ORDER.indexOf(g.group);
    // Unknown (custom) groups: Kubernetes gives CRD groups 1000.
    const groupPriorityMinimum = idx < 0 ? 1000 : 18000 - idx * 100;
    g.versions.forEach((version, i) => {
      const name = apiServiceName(g.group, version);
      out.set(name, {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name, labels: { [AUTOMANAGED_LABEL]: custom.has(`${g.group}/${version}`) ? 'true' : 'onstart' } },
        spec: { group: g.group, version, ...(EXTENSION_PRIORITIES[g.group] ?? { groupPriorityMinimum, versionPriority: Math.max(1, 15 - i) }) },
      });
    });
  }
  return out;
}

const localStatus = () => ({ conditions: [{ type: 'Available', status: 'True', lastTransitionTime: nowSeconds(), reason: 'Local', message: 'Local APIServices are always available' }] });

/** Creates the missing local APIServices and removes automanaged ones whose group/version is gone. */
export async function syncLocalAPIServices(state: ApiState): Promise<void> {
  const def = state.registry.byResource('apiregistration.k8s.io', 'v1', 'apiservices');
  if (!def) return;
  const objects = state.objects(def);
  const desired = desiredLocalAPIServices(state);
  const existing = new Map<string, APIService>();
  for (const o of (await objects.list(undefined)).items as APIService[]) existing.set(o.metadata?.name ?? '', o);
  for (const [name, want] of desired) {
    if (existing.has(name)) continue;
    want.metadata = { ...want.metadata, uid: randomUUID(), creationTimestamp: nowSeconds(), generation: 1 };
    want.status = localStatus();
    try {
      await objects.create(want);
    } catch (e) {
      // Another API server on the same store made it first.
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
  }
  for (const [name, o] of existing) {
    if (desired.has(name) || !o.metadata?.labels?.[AUTOMANAGED_LABEL] || !isLocal(o)) continue;
    await objects.delete(undefined, name).catch(logFailureOnce(state.log, 'removing a stale local APIService', { name }));
  }
}
