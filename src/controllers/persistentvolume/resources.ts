// The storage resources the volume controllers watch beyond client/resources.ts' common ones.

import type { ResourceRef } from '../../client/rest.js';

export const STORAGE_CLASSES: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false };
export const CSI_DRIVERS: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false };
