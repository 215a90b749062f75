// apiextensions.k8s.io/v1: CustomResourceDefinition.
import type { KindDef } from '../../kind.js';
import { customResourceDefinition } from './crd.js';

export const apiextensionsKinds: KindDef[] = [customResourceDefinition];
