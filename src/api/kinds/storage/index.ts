// storage.k8s.io/v1: storage classes and the CSI objects (drivers, nodes, attachments, capacity).
// Their controllers come with the storage issue; here they are served, validated and stored.
import type { KindDef } from '../../kind.js';
import { csiDriver } from './csidriver.js';
import { csiNode } from './csinode.js';
import { csiStorageCapacity } from './csistoragecapacity.js';
import { storageClass } from './storageclass.js';
import { volumeAttachment } from './volumeattachment.js';

export { DEFAULT_STORAGE_CLASS_ANNOTATION, isDefaultStorageClass } from './storageclass.js';
export const storageKinds: KindDef[] = [storageClass, csiDriver, csiNode, volumeAttachment, csiStorageCapacity];
