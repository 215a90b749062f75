// What the local driver's services share: the on-disk store, the node, the locks, and the start-up
// sweep every call waits for.

import type { Logger } from '../../util/log.js';
import type { KeyedMutex } from './lock.js';
import type { LocalStore } from './store.js';

export interface DriverContext {
  store: LocalStore;
  nodeName: string;
  /** Paths callers hand in (staging, targets) must lie under it. */
  agentDir: string;
  log: Logger;
  locks: KeyedMutex;
  /** Resolves once the store exists and stale state is cleaned (see cleanup.ts). */
  ready(): Promise<void>;
  maxVolumesPerNode: number;
}

export const MiB = 1024 * 1024;
/** The smallest volume: room for ext4's metadata and journal with space left for data. */
export const MIN_VOLUME_BYTES = 16 * MiB;
/** A volume asked for without a size. */
export const DEFAULT_VOLUME_BYTES = 1024 * MiB;
/**
 * Key of the lock every controller change takes while it reads and changes the store (creations only
 * to reserve room and to record the volume). Always taken after a volume's own lock, never before
 * one, so the two cannot deadlock.
 */
export const CONTROLLER_LOCK = '\0controller';
