// The pod a DaemonSet runs on one node: its template with the automatic tolerations Kubernetes adds
// to every daemon pod (so it survives node conditions it is meant to run through), and a required
// node affinity on metadata.name so the scheduler binds it to exactly that node.

import type { Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE } from '../../api/well-known.js';
import { REVISION_HASH_LABEL } from '../util/revisions.js';
import { ownerRefTo } from '../util/pod-state.js';
import type { PodSpecFit, Toleration } from './node-fit.js';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

const AUTOMATIC: Toleration[] = [
  { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
  { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
  { key: TAINT_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK: Toleration = { key: TAINT_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' };

export interface DaemonTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpecFit & Record<string, unknown>;
}

/** The template's pod spec with the automatic tolerations added (each once). */
export function withDaemonTolerations(spec: DaemonTemplate['spec']): DaemonTemplate['spec'] {
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of [...AUTOMATIC, ...(spec.hostNetwork ? [HOST_NETWORK] : [])]) {
    if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
  }
  return { ...spec, tolerations };
}

/** Required node affinity naming the node, replacing any matchFields of the template's terms. */
function nodeAffinityFor(spec: DaemonTemplate['spec'], node: string) {
  const field = { key: 'metadata.name', operator: 'In', values: [node] };
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const next = terms.length ? terms.map((t) => ({ ...t, matchFields: [field] })) : [{ matchFields: [field] }];
  return { ...(spec.affinity ?? {}), nodeAffinity: { ...(spec.affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: next } } };
}

export function daemonPod(ds: KObject, template: DaemonTemplate, hash: string, node: string): KObject {
  const t = structuredClone(template);
  const spec = withDaemonTolerations(t.spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata!.name}-`,
      namespace: ds.metadata!.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata!.generation ?? 1) },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [ownerRefTo(ds, 'apps/v1', 'DaemonSet')],
    },
    spec: { ...spec, affinity: nodeAffinityFor(spec, node) },
  };
}

/** The node a daemon pod is bound to, or is meant for while unbound. */
export function nodeOfDaemonPod(pod: KObject): string | undefined {
  const spec = (pod as Pod).spec!;
  if (spec.nodeName) return spec.nodeName;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms[0]?.matchFields?.find((f) => f.key === 'metadata.name' && f.operator === 'In')?.values?.[0];
}
