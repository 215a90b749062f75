// The storage a fresh cluster starts with: the CSIDriver object of gifee's built-in driver
// (local.csi.gifee.dev) and the default StorageClass `local` that provisions through it, so a claim
// without a class (a StatefulSet's volumeClaimTemplates) gets a real, size-limited volume.
//
// Created when missing, never updated: Kubernetes' addon manager treats its default StorageClass as
// EnsureExists, so an administrator may edit these objects (unmark the default, change the reclaim
// policy) and a restart leaves the edit alone. A class recreated after a deletion is not marked
// default when another class already is, so a restart never takes the default from the user's
// class. `gifee up/server --no-default-storage-class` turns all of this off.

import { rfc3339 } from '../util/time.js';
import { randomUUID } from 'node:crypto';
import { defaultObject } from '../api/defaults.js';
import type { KObject } from '../api/kind.js';
import { isDefaultStorageClass } from '../api/kinds/storage/index.js';
import { ANN_DEFAULT_CLASS, LOCAL_DRIVER, LOCAL_STORAGE_CLASS } from '../api/storage-names.js';
import type { ApiState } from './context.js';

/** The addon manager's label for objects it only creates (Kubernetes' own default class carries it). */
const ADDON_MODE = { 'addonmanager.kubernetes.io/mode': 'EnsureExists' };

export const LOCAL_CSI_DRIVER_OBJECT: KObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIDriver',
  metadata: { name: LOCAL_DRIVER, labels: { ...ADDON_MODE } },
  spec: {
    // Node-local: nothing to attach; volumes are staged and published by the agent of their node.
    attachRequired: false,
    podInfoOnMount: false,
    // An ext4 volume's ownership follows the pod's fsGroup, as for any filesystem the kubelet mounts.
    fsGroupPolicy: 'File',
    volumeLifecycleModes: ['Persistent'],
    // Each agent publishes its free space (CSIStorageCapacity), so the scheduler sends a claim only to
    // a node with room and says so when none has ("did not have enough free storage").
    storageCapacity: true,
    requiresRepublish: false,
  },
};

export function localStorageClassObject(markDefault: boolean): KObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_STORAGE_CLASS, labels: { ...ADDON_MODE }, annotations: markDefault ? { [ANN_DEFAULT_CLASS]: 'true' } : {} },
    provisioner: LOCAL_DRIVER,
    reclaimPolicy: 'Delete',
    // Provisioned on the node the scheduler picks for the first pod: a local volume cannot move.
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

async function createIfMissing(state: ApiState, plural: string, make: () => Promise<KObject>): Promise<boolean> {
  const def = state.registry.byResource('storage.k8s.io', 'v1', plural);
  if (!def) return false;
  const objects = state.objects(def);
  const wanted = await make();
  const name = wanted.metadata!.name!;
  if (await objects.get(undefined, name)) return false;
  const obj = structuredClone(wanted);
  obj.metadata = { ...obj.metadata, name, uid: randomUUID(), creationTimestamp: rfc3339() };
  defaultObject(def, obj);
  try {
    await objects.create(obj);
    state.log.info('created default storage object', { kind: wanted.kind, name });
    return true;
  } catch (e) {
    // Another API server of the same cluster created it first.
    if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    return false;
  }
}

/** Creates the CSIDriver and the default StorageClass when missing; returns what it created. */
export async function ensureDefaultStorage(state: ApiState): Promise<string[]> {
  const created: string[] = [];
  if (await createIfMissing(state, 'csidrivers', async () => LOCAL_CSI_DRIVER_OBJECT)) created.push(`csidrivers/${LOCAL_DRIVER}`);
  const scDef = state.registry.byResource('storage.k8s.io', 'v1', 'storageclasses');
  const otherDefault = async () => (scDef ? (await state.objects(scDef).list(undefined)).items.some((o) => o.metadata?.name !== LOCAL_STORAGE_CLASS && isDefaultStorageClass(o)) : false);
  if (await createIfMissing(state, 'storageclasses', async () => localStorageClassObject(!(await otherDefault())))) created.push(`storageclasses/${LOCAL_STORAGE_CLASS}`);
  return created;
}

/** Registers the bootstrap as a post-start hook (before /readyz says ok), retried like the others. */
export function installStorageBootstrap(state: ApiState) {
  state.postStartHooks.push({
    name: 'storage/bootstrap-default-storage-class',
    run: async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await ensureDefaultStorage(state);
          return;
        } catch (e) {
          if (attempt >= 5) throw e;
          state.log.warn('could not create the default storage objects; retrying', { attempt, err: e instanceof Error ? e.message : String(e) });
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    },
  });
}
