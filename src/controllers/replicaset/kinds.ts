// The two kinds the replicaset controller drives. Kubernetes runs its ReplicaSet controller for
// ReplicationControllers too (pkg/controller/replication adapts RCs to ReplicaSets); here the same
// controller code takes the kind's differences as data: where objects live, how owner references
// and events name them, and how their selector reads (an RC's is a plain label map).

import { selectorFromObject, type Selector } from '../../api/labels.js';
import type { ResourceRef } from '../../client/rest.js';
import { R } from '../../client/resources.js';
import type { ReplicaSet } from '../util/workload-types.js';

export interface ReplicatedKind {
  /** The controller's name (logs, metrics, work queue). */
  controllerName: string;
  /** The component events are recorded as (Kubernetes': replicaset-controller, replication-controller). */
  eventSource: string;
  resource: ResourceRef;
  apiVersion: string;
  kind: string;
  /** The pods the object selects. */
  selector(obj: ReplicaSet): Selector;
}

export const REPLICA_SET: ReplicatedKind = {
  controllerName: 'replicaset',
  eventSource: 'replicaset-controller',
  resource: R.replicasets,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector: (rs) => selectorFromObject(rs.spec?.selector),
};

export const REPLICATION_CONTROLLER: ReplicatedKind = {
  controllerName: 'replicationcontroller',
  eventSource: 'replication-controller',
  resource: R.replicationcontrollers,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  // A map selects by equality on every key, exactly a LabelSelector's matchLabels.
  selector: (rc) => selectorFromObject(mapSelector(rc.spec?.selector)),
};

/** An RC's selector map as matchLabels; an empty or malformed one selects nothing rather than everything. */
function mapSelector(v: unknown): { matchLabels: Record<string, string> } | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return Object.keys(out).length ? { matchLabels: out } : null;
}
