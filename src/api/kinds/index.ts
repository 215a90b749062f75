// Every compiled-in kind the API server serves.
import type { KindDef } from '../kind.js';
import { clusterKinds } from './cluster/index.js';
import { workloadKinds } from './workloads/index.js';
import { rbacKinds } from './rbac/index.js';

export const builtinKinds: KindDef[] = [...clusterKinds, ...workloadKinds, ...rbacKinds];
