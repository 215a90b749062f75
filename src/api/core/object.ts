import type { KObject, ObjectMeta } from '../kind.js';

/**
 * An object of a namespaced kind as the API server serves it once created: named and in a
 * namespace. For readers of watched objects, which rely on both (e.g. Namespaced<Service>).
 */
export type Namespaced<T extends KObject> = T & { metadata: ObjectMeta & { name: string; namespace: string } };
