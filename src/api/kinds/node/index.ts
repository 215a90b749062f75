// node.k8s.io/v1: RuntimeClass.
import type { KindDef } from '../../kind.js';
import { runtimeClass } from './runtimeclass.js';

export type { RuntimeClass } from './runtimeclass.js';
export const nodeKinds: KindDef[] = [runtimeClass];
