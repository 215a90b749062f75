// The shapes of the objects these controllers read and write, as far as they use them. The API
// server validates and defaults them; here they are only read, so every field stays optional.

import { rfc3339 } from '../../util/time.js';
import type { Pod as CorePod, PodTemplateSpec } from '../../api/core/index.js';
import type { KObject, ObjectMeta, OwnerReference } from '../../api/kind.js';
import type { LabelSelectorObject } from '../../api/labels.js';

export type PodTemplate = PodTemplateSpec;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export interface Pod extends CorePod {
  metadata: ObjectMeta;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface ReplicaSet extends KObject {
  metadata: ObjectMeta;
  spec: { replicas?: number; minReadySeconds?: number; selector?: LabelSelectorObject; template?: PodTemplate };
  status?: ReplicaSetStatus;
}

/** The owner reference with controller=true, if any: the one object that manages this one. */
export const controllerRefOf = (o: KObject): OwnerReference | undefined => o.metadata?.ownerReferences?.find((r) => r.controller === true);

export const nowRfc3339 = () => rfc3339();
