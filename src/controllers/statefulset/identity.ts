// A StatefulSet pod's identity: its ordinal name `<set>-<i>`, hostname and subdomain (the governing
// Service), its identity labels, and the claims from volumeClaimTemplates `<template>-<set>-<i>`
// mounted in place of same-named volumes.

import type { Volume } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { REVISION_HASH_LABEL } from '../util/revisions.js';
import { ownerRefTo } from '../util/pod-state.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export interface StatefulSetSpec {
  replicas?: number;
  serviceName?: string;
  podManagementPolicy?: string;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  ordinals?: { start?: number };
  selector?: { matchLabels?: Record<string, string> };
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  volumeClaimTemplates?: KObject[];
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
}

export const podName = (set: KObject, ordinal: number) => `${set.metadata!.name}-${ordinal}`;
export const claimName = (template: KObject, set: KObject, ordinal: number) => `${template.metadata!.name}-${set.metadata!.name}-${ordinal}`;

/** The ordinal of a pod named `<set>-<i>`, or undefined for a pod not named so. */
export function ordinalOf(set: KObject, pod: KObject): number | undefined {
  const prefix = `${set.metadata!.name}-`;
  const n = pod.metadata!.name!;
  if (!n.startsWith(prefix)) return undefined;
  const rest = n.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function statefulPod(set: KObject, template: StatefulSetSpec['template'], revisionName: string, ordinal: number): KObject {
  const spec = set.spec as StatefulSetSpec;
  const t = structuredClone(template);
  const name = podName(set, ordinal);
  const podSpec: Record<string, unknown> = { ...t.spec, hostname: name, ...(spec.serviceName ? { subdomain: spec.serviceName } : {}) };
  const claims = spec.volumeClaimTemplates ?? [];
  if (claims.length) {
    const vols = ((podSpec.volumes as Volume[] | undefined) ?? []).filter((v) => !claims.some((c) => c.metadata?.name === v.name));
    podSpec.volumes = [...vols, ...claims.map((c) => ({ name: c.metadata!.name!, persistentVolumeClaim: { claimName: claimName(c, set, ordinal) } }))];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata!.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: revisionName, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [ownerRefTo(set, 'apps/v1', 'StatefulSet')],
    },
    spec: podSpec,
  };
}

/** The claim for one template and ordinal, owned by the set when whenDeleted is Delete. */
export function statefulClaim(set: KObject, template: KObject, ordinal: number): KObject {
  const spec = set.spec as StatefulSetSpec;
  const owned = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(template, set, ordinal),
      namespace: set.metadata!.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ...(owned ? { ownerReferences: [{ ...ownerRefTo(set, 'apps/v1', 'StatefulSet'), controller: false, blockOwnerDeletion: false }] } : {}),
    },
    spec: structuredClone(template.spec),
  };
}
