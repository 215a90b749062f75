// Storage flags of `gifee server` and `gifee up`: whether a fresh cluster gets the built-in driver's
// CSIDriver object and the default StorageClass `local` (src/apiserver/storage-bootstrap.ts).

import type { FlagTable } from './args.js';

export const STORAGE_FLAG_TABLE: FlagTable = {
  'no-default-storage-class': { type: 'boolean', help: 'do not create the default StorageClass "local" and the CSIDriver local.csi.gifee.dev\n(created only when missing; edits and deletions are left alone either way)' },
};

/** Whether the API server creates the default storage objects at start (default yes). */
export const defaultStorageClassOf = (f: Record<string, unknown>): boolean => !f['no-default-storage-class'];
