import type { KindDef } from '../../kind.js';
import { customResourceDefinition } from './crd-placeholder.js';

export const apiextensionsKinds: KindDef[] = [customResourceDefinition];
