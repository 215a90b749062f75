// Names shared by the parts of gifee's storage (see docs/storage.md): Kubernetes' own annotations
// and finalizers, spelled once, and gifee's built-in driver. In src/api so the API server, the
// controllers, the scheduler, the agent and the node-side sidecars (src/storage) all may use them.

/** gifee's built-in CSI driver (src/csi/local-driver) and the default StorageClass that uses it. */
export const LOCAL_DRIVER = 'local.csi.gifee.dev';
export const LOCAL_STORAGE_CLASS = 'local';
/** The topology key of the built-in driver: its volumes live on one node. */
export const LOCAL_TOPOLOGY_KEY = 'topology.local.csi.gifee.dev/node';

export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
/** Scheduler -> PVC: the node chosen for a WaitForFirstConsumer claim (and, for gifee's node-side provisioners, the node that claimed an Immediate one). */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** PV controller -> PVC: which provisioner must create its volume (the beta key is written too, as Kubernetes does). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** PV controller -> PVC: binding finished; PV controller -> PV/PVC: the controller (not the user) bound it. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** Provisioner -> PV: who created it (its deleter only deletes its own). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** gifee: the node whose agent provisioned a PV (its agent deletes, expands and snapshots the volume). */
export const ANN_PROVISIONED_ON_NODE = 'storage.gifee.dev/provisioned-on-node';
/** Expand controller -> PVC: which resizer must expand it. */
export const ANN_STORAGE_RESIZER = 'volume.kubernetes.io/storage-resizer';
/** CSIDriver label: a third-party driver asks gifee's agents to run its controller-side sidecars (provisioner, resizer, snapshotter, attacher); without it the driver brings its own. */
export const LABEL_AGENT_SIDECARS = 'storage.gifee.dev/agent-sidecars';

export const FINALIZER_PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const FINALIZER_PV_PROTECTION = 'kubernetes.io/pv-protection';
/** Provisioner -> PV it created: the PV object stays until the backing volume is deleted. */
export const FINALIZER_PROVISIONER = 'external-provisioner.volume.kubernetes.io/finalizer';
