// The storage.k8s.io resources the agent's CSI mounter reads (kept here rather than in the shared
// client/resources.ts so the parts of storage can grow their own without stepping on each other).

import type { ResourceRef } from '../../client/rest.js';

export const CSI_DRIVERS: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false };
export const VOLUME_ATTACHMENTS: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'volumeattachments', namespaced: false };
