// The Deployment fields this controller reads and writes.

import type { KObject, ObjectMeta } from '../../api/kind.js';
import type { LabelSelectorObject } from '../../api/labels.js';
import type { Condition, PodTemplate } from '../util/workload-types.js';

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
}

export interface Deployment extends KObject {
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    selector?: LabelSelectorObject;
    template?: PodTemplate;
    strategy?: { type?: 'Recreate' | 'RollingUpdate'; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
}

export const replicasOf = (o: { spec: { replicas?: number } }) => o.spec.replicas ?? 1;
