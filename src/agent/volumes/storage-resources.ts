// The storage.k8s.io resource the agent's CSI mounter reads that client/resources.ts does not name.

import type { ResourceRef } from '../../client/rest.js';

export const VOLUME_ATTACHMENTS: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'volumeattachments', namespaced: false };
