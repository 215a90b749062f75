// A claim's data source as a CSI volume content source (external-provisioner's rules): a clone of
// another claim in the same namespace (its PV's volume handle, same driver, at least its size), or
// a VolumeSnapshot (snapshot.storage.k8s.io/v1: ready, bound to a content whose snapshotHandle the
// driver knows). Anything else, or a snapshot API this cluster does not serve, is a clear refusal.

import type { Pvc } from '../api/storage/types.js';
import type { KObject } from '../api/kind.js';
import type { InformerLike } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import type { VolumeContentSource } from '../csi/types.js';
import { ProvisioningError } from './provision-request.js';
import { quantityBytes } from './quantity.js';
import { type ClaimSpec, type PvSpec, SR } from './resources.js';

const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

export async function contentSource(claim: KObject, driver: string, deps: { client: RestClient; claims: InformerLike; volumes: InformerLike }): Promise<VolumeContentSource | undefined> {
  const spec = (claim.spec ?? {}) as ClaimSpec;
  const ns = claim.metadata?.namespace ?? '';
  const ref = spec.dataSourceRef ?? spec.dataSource;
  if (!ref?.kind || !ref.name) return undefined;
  if ('namespace' in ref && ref.namespace && ref.namespace !== ns) throw new ProvisioningError(`cross-namespace data sources are not supported (dataSourceRef namespace "${ref.namespace}")`);
  const group = ref.apiGroup ?? '';
  if (group === '' && ref.kind === 'PersistentVolumeClaim') return cloneSource(claim, ns, ref.name, driver, deps);
  if (group === SNAPSHOT_GROUP && ref.kind === 'VolumeSnapshot') return snapshotSource(ns, ref.name, driver, deps.client);
  throw new ProvisioningError(`unsupported data source ${group ? `${group}/` : ''}${ref.kind} "${ref.name}": the provisioner populates volumes only from PersistentVolumeClaims and VolumeSnapshots`);
}

function cloneSource(claim: KObject, ns: string, name: string, driver: string, deps: { claims: InformerLike; volumes: InformerLike }): VolumeContentSource {
  const src = deps.claims.get(`${ns}/${name}`);
  if (!src) throw new ProvisioningError(`error getting PVC ${ns}/${name} from api server: persistentvolumeclaims "${name}" not found`);
  const srcSpec = (src.spec ?? {}) as ClaimSpec;
  if ((src as Pvc).status?.phase !== 'Bound' || !srcSpec.volumeName) throw new ProvisioningError(`the PVC ${name} is not yet bound to a PV, will not attempt to clone`);
  if (src.metadata?.deletionTimestamp) throw new ProvisioningError(`PVC ${name} is in the process of being deleted, cannot clone it`);
  const mySpec = (claim.spec ?? {}) as ClaimSpec;
  if ((srcSpec.storageClassName ?? '') !== (mySpec.storageClassName ?? '')) throw new ProvisioningError(`the source PVC and destination PVCs must be in the same storage class for cloning. Source is in ${srcSpec.storageClassName ?? ''}, but new PVC is in ${mySpec.storageClassName ?? ''}`);
  if ((srcSpec.volumeMode ?? 'Filesystem') !== (mySpec.volumeMode ?? 'Filesystem')) throw new ProvisioningError(`the source PVC and destination PVCs must have the same volume mode for cloning. Source is ${srcSpec.volumeMode ?? 'Filesystem'}, but new PVC is ${mySpec.volumeMode ?? 'Filesystem'}`);
  const srcSize = quantityBytes(srcSpec.resources?.requests?.storage) ?? 0;
  const mySize = quantityBytes(mySpec.resources?.requests?.storage) ?? 0;
  if (mySize < srcSize) throw new ProvisioningError(`error, new PVC request must be greater than or equal in size to the specified PVC data source, requested ${mySize} but source is ${srcSize}`);
  const pv = deps.volumes.get(srcSpec.volumeName);
  const csi = (pv?.spec as PvSpec | undefined)?.csi;
  if (!csi?.volumeHandle) throw new ProvisioningError(`the source PVC ${name}'s volume ${srcSpec.volumeName} is not a CSI volume`);
  if (csi.driver !== driver) throw new ProvisioningError(`the source PVC ${name} was provisioned by ${csi.driver}, not ${driver}: cloning works only within a driver`);
  return { volume: { volumeId: csi.volumeHandle } };
}

async function snapshotSource(ns: string, name: string, driver: string, client: RestClient): Promise<VolumeContentSource> {
  let snap: KObject;
  try {
    snap = await client.get(SR.volumesnapshots, ns, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    if (!(await servesSnapshots(client))) throw new ProvisioningError(`the data source is a VolumeSnapshot but this cluster does not serve ${SNAPSHOT_GROUP}/v1 (no snapshot support installed)`);
    throw new ProvisioningError(`error getting handle for DataSource Type VolumeSnapshot by Name ${name}: error getting snapshot ${name} from api server: volumesnapshots.${SNAPSHOT_GROUP} "${name}" not found`);
  }
  const st = (snap.status ?? {}) as { readyToUse?: boolean; boundVolumeSnapshotContentName?: string };
  if (snap.metadata?.deletionTimestamp) throw new ProvisioningError(`snapshot ${name} is currently being deleted`);
  if (!st.readyToUse) throw new ProvisioningError(`snapshot ${name} is not Ready`);
  if (!st.boundVolumeSnapshotContentName) throw new ProvisioningError(`snapshot ${name} not bound`);
  let content: KObject;
  try {
    content = await client.get(SR.volumesnapshotcontents, undefined, st.boundVolumeSnapshotContentName);
  } catch (e) {
    if (isNotFound(e)) throw new ProvisioningError(`error getting snapshot content ${st.boundVolumeSnapshotContentName} for snapshot ${name}: not found`);
    throw e;
  }
  const contentDriver = (content.spec as { driver?: string } | undefined)?.driver;
  if (contentDriver && contentDriver !== driver) throw new ProvisioningError(`snapshot ${name}'s content belongs to driver ${contentDriver}, not ${driver}`);
  const handle = (content.status as { snapshotHandle?: string } | undefined)?.snapshotHandle;
  if (!handle) throw new ProvisioningError(`snapshot handle of snapshot content ${st.boundVolumeSnapshotContentName} is empty`);
  return { snapshot: { snapshotId: handle } };
}

async function servesSnapshots(client: RestClient): Promise<boolean> {
  try {
    await client.request('GET', `/apis/${SNAPSHOT_GROUP}/v1`);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
