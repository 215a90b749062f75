// What the node-side csi-snapshotter does through the API, as RBAC rules (the external-snapshotter's
// external-snapshotter-runner role, less what gifee's sidecar does not do: no secrets, no
// VolumeSnapshots). The agent's node identity cannot write VolumeSnapshotContents, so the sidecar
// runs with the client it is given; merge these rules into the ClusterRole of the node-side
// sidecars' identity.

import type { PolicyRule } from '../api/kinds/rbac/types.js';

export const SNAPSHOT_SIDECAR_RULES: PolicyRule[] = [
  { verbs: ['get', 'list', 'watch'], apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotclasses'] },
  { verbs: ['get', 'list', 'watch', 'update', 'patch'], apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotcontents'] },
  { verbs: ['update', 'patch'], apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotcontents/status'] },
  // Which third-party drivers ask for gifee's sidecars (their CSIDriver's storage.gifee.dev/agent-sidecars label).
  { verbs: ['get', 'list', 'watch'], apiGroups: ['storage.k8s.io'], resources: ['csidrivers'] },
  // Its events about contents, when its recorder writes with this identity.
  { verbs: ['create', 'update', 'patch'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
];
