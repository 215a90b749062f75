// Every compiled-in kind the API server serves.
import type { KindDef } from '../kind.js';
import { reviewKinds } from './access/index.js';
import { clusterKinds } from './cluster/index.js';
import { workloadKinds } from './workloads/index.js';
import { certificateKinds } from './certificates/index.js';
import { rbacKinds } from './rbac/index.js';
import { storageKinds } from './storage/index.js';
import { snapshotKinds } from './snapshot/index.js';
import { networkingKinds } from './networking/index.js';
import { nodeKinds } from './node/index.js';
import { policyKinds } from './policy/index.js';
import { autoscalingKinds } from './autoscaling/hpa.js';
import { flowcontrolKinds } from './flowcontrol/index.js';
import { webhookKinds } from './webhooks/index.js';
import { apiService } from './apiregistration/apiservice.js';
import { apiextensionsKinds } from './apiextensions/index.js';
import { admissionPolicyKinds } from './admissionregistration/policy-kinds.js';
import { metricsKinds } from './metrics/index.js';
import { upgradeKinds } from './upgrade/index.js';

export const builtinKinds: KindDef[] = [
  ...clusterKinds,
  ...workloadKinds,
  ...certificateKinds,
  ...rbacKinds,
  ...reviewKinds,
  ...storageKinds,
  ...snapshotKinds,
  ...networkingKinds,
  ...nodeKinds,
  ...policyKinds,
  ...autoscalingKinds,
  ...flowcontrolKinds,
  ...apiextensionsKinds,
  ...webhookKinds,
  ...admissionPolicyKinds,
  apiService,
  ...metricsKinds,
  ...upgradeKinds,
];
