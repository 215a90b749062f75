// Restoring a claim from a VolumeSnapshot (dataSource kind VolumeSnapshot, group
// snapshot.storage.k8s.io): the chain a provisioner follows, as the external-provisioner does —
// the snapshot (ready to use, not being deleted), its status.boundVolumeSnapshotContentName, that
// content (bound back to this very snapshot, of the provisioner's driver, not being deleted) and its
// status.snapshotHandle, which becomes CSI CreateVolume's volumeContentSource. Every broken link is
// an Error whose message says which (the provisioner records it as ProvisioningFailed).

import type { KObject } from '../api/kind.js';
import type { VolumeSnapshot, VolumeSnapshotContent } from '../api/kinds/snapshot/index.js';
import { R } from '../client/resources.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import type { VolumeContentSource } from '../csi/types.js';
import { parseQuantity } from '../api/quantity.js';

export interface SnapshotSource {
  contentSource: VolumeContentSource;
  /** The snapshot's restore size in bytes, when known: the new volume may not be smaller. */
  restoreSizeBytes?: number;
  snapshot: VolumeSnapshot;
  content: VolumeSnapshotContent;
}

type Reader = Pick<RestClient, 'get'>;
const getOrUndefined = (c: Reader, r: typeof R.volumesnapshots | typeof R.volumesnapshotcontents, ns: string | undefined, name: string) => c.get(r, ns, name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))) as Promise<KObject | undefined>;

/** The snapshot a claim restores from, or undefined when its data source is not a VolumeSnapshot. */
export function snapshotNameOf(pvc: KObject): string | undefined {
  const spec = (pvc.spec ?? {}) as { dataSource?: { apiGroup?: string; kind?: string; name?: string }; dataSourceRef?: { apiGroup?: string; kind?: string; name?: string; namespace?: string } };
  for (const d of [spec.dataSourceRef, spec.dataSource]) {
    if (d?.kind === 'VolumeSnapshot' && d.apiGroup === 'snapshot.storage.k8s.io' && d.name && (!('namespace' in d) || !d.namespace || d.namespace === pvc.metadata?.namespace)) return d.name;
  }
  return undefined;
}

/** Follows the chain for `snapshotName` in `namespace`; `driver` is the provisioner's CSI driver. */
export async function resolveSnapshotSource(client: Reader, namespace: string, snapshotName: string, driver: string): Promise<SnapshotSource> {
  const snapshot = (await getOrUndefined(client, R.volumesnapshots, namespace, snapshotName)) as VolumeSnapshot | undefined;
  if (!snapshot) throw new Error(`error getting snapshot ${snapshotName} from api server: volumesnapshots.snapshot.storage.k8s.io "${snapshotName}" not found`);
  if (snapshot.metadata?.deletionTimestamp) throw new Error(`snapshot ${namespace}/${snapshotName} is being deleted`);
  if (snapshot.status?.readyToUse !== true) throw new Error(`snapshot ${namespace}/${snapshotName} is not Ready`);
  const contentName = snapshot.status?.boundVolumeSnapshotContentName;
  if (!contentName) throw new Error(`snapshot ${namespace}/${snapshotName} is not bound to a VolumeSnapshotContent`);
  const content = (await getOrUndefined(client, R.volumesnapshotcontents, undefined, contentName)) as VolumeSnapshotContent | undefined;
  if (!content) throw new Error(`error getting snapshotcontent ${contentName} for snapshot ${namespace}/${snapshotName} from api server: not found`);
  const ref = content.spec?.volumeSnapshotRef;
  if (ref?.name !== snapshotName || ref?.namespace !== namespace || ref?.uid !== snapshot.metadata?.uid) throw new Error(`snapshotcontent ${contentName} for snapshot ${namespace}/${snapshotName} is bound to a different snapshot`);
  if (content.metadata?.deletionTimestamp) throw new Error(`snapshotcontent ${contentName} for snapshot ${namespace}/${snapshotName} is being deleted`);
  if (content.spec?.driver !== driver) throw new Error(`driver from VolumeSnapshotContent ${contentName} (${content.spec?.driver}) does not match the provisioner's driver ${driver}`);
  const handle = content.status?.snapshotHandle;
  if (!handle) throw new Error(`snapshot handle of snapshotcontent ${contentName} is not available`);
  const size = content.status?.restoreSize ?? (snapshot.status?.restoreSize !== undefined ? safeQuantity(snapshot.status.restoreSize) : undefined);
  return { contentSource: { snapshot: { snapshotId: handle } }, ...(size !== undefined ? { restoreSizeBytes: size } : {}), snapshot, content };
}

function safeQuantity(q: string | number): number | undefined {
  try {
    const n = parseQuantity(q);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
