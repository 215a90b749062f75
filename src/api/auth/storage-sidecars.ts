// The identity of the CSI sidecars gifee's agents run built in (src/storage; docs/storage.md): a
// service account every agent obtains a token for, bound to its own Node, so that provisioning,
// deletion, expansion and attachment never run as the node (whose Node authorizer limits are kept).
// Named here because the API server (its default accounts, RBAC, the Node authorizer and
// NodeRestriction) and the agent both need the names.

export const STORAGE_SIDECARS_NAMESPACE = 'kube-system';
export const STORAGE_SIDECARS_SERVICE_ACCOUNT = 'gifee-storage-sidecars';
/** The ClusterRole (external-provisioner's, external-resizer's and external-attacher's RBAC together) bound to that account. */
export const STORAGE_SIDECARS_ROLE = 'system:gifee:storage-sidecars';

export const isStorageSidecarsAccount = (namespace: string | undefined, name: string | undefined) => namespace === STORAGE_SIDECARS_NAMESPACE && name === STORAGE_SIDECARS_SERVICE_ACCOUNT;
