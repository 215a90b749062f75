// Workload kinds: pods and pod templates, apps/v1, batch/v1.
import type { KindDef } from '../../kind.js';

export const workloadKinds: KindDef[] = [];
