// Indexes the controllers register on the shared pod and ReplicaSet caches, beyond the standard
// ones in client/indexer.ts: orphans (no controlling owner) by namespace, the candidates a
// ReplicaSet or Deployment may adopt, so a reconcile does not scan the namespace for them.

import type { IndexFunc } from '../client/indexer.js';

export const INDEX_ORPHAN_NAMESPACE = 'orphan-namespace';

export const orphansByNamespace: IndexFunc = (o) => (o.metadata?.namespace && !o.metadata.ownerReferences?.some((r) => r.controller) ? [o.metadata.namespace] : []);
