// policy/v1 kinds: PodDisruptionBudget (the Eviction body is not stored: see src/apiserver/eviction.ts).
import type { KindDef } from '../../kind.js';
import { podDisruptionBudget } from './pdb.js';

export { podDisruptionBudget };
export * from './budget.js';

export const policyKinds: KindDef[] = [podDisruptionBudget];
