// The kubelet's image garbage collector for gifee's image store. Every period it notes which images
// exist and which the node's pods use (first seen, last used), and when the image store's filesystem
// is at or past the high threshold removes unused images, least recently used first, until usage is
// back at the low threshold. The eviction manager calls deleteUnusedImages() under disk pressure
// before it evicts any pod, as the kubelet reclaims node-level resources first.

import { statfs } from 'node:fs/promises';
import type { Logger } from '../../util/log.js';
import { bytesToFree, collectionOrder, type GcCandidate, type ImageGcPolicy } from './gc-plan.js';
import type { ImageInfo } from './types.js';

/** The kubelet's ImageGCPeriod. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

/** What the collector needs of the image store (store.ts). */
export interface CollectableStore {
  root: string;
  list(): Promise<ImageInfo[]>;
  idsOf(references: Iterable<string>): Promise<Set<string>>;
  removeImage(id: string): Promise<boolean>;
}

export interface ImageGcOptions {
  store: CollectableStore;
  policy: ImageGcPolicy;
  /** Image references of every container of every pod this node runs or still tears down. */
  referencesInUse(): Iterable<string>;
  /** A Warning event on the node (FreeDiskSpaceFailed, ImageGCFailed). */
  warn(reason: string, message: string): void;
  log: Logger;
  periodMs?: number;
  now?: () => number;
  /** The image store's filesystem; statfs of store.root by default. */
  fsUsage?: () => Promise<{ capacity: number; available: number }>;
}

export class ImageGcManager {
  private timer?: NodeJS.Timeout;
  /** Image ID -> when first seen and last seen in use. Images that went are forgotten. */
  private readonly records = new Map<string, { firstSeenMs: number; lastUsedMs: number }>();
  private running?: Promise<number>;
  private failedBefore = false;

  constructor(private readonly o: ImageGcOptions) {}

  start() {
    this.timer = setInterval(() => void this.periodic(), this.o.periodMs ?? IMAGE_GC_PERIOD_MS);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
  }

  private now() {
    return this.o.now?.() ?? Date.now();
  }

  private async usage(): Promise<{ capacity: number; available: number }> {
    if (this.o.fsUsage) return this.o.fsUsage();
    const s = await statfs(this.o.store.root);
    return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
  }

  /** Note the images there are and the ones in use now; the candidates for collection. */
  async detect(): Promise<GcCandidate[]> {
    const now = this.now();
    const [images, used] = await Promise.all([this.o.store.list(), this.o.store.idsOf(this.o.referencesInUse())]);
    const present = new Set(images.map((i) => i.id));
    for (const id of this.records.keys()) if (!present.has(id)) this.records.delete(id);
    const out: GcCandidate[] = [];
    for (const id of present) {
      let r = this.records.get(id);
      if (!r) {
        r = { firstSeenMs: now, lastUsedMs: 0 };
        this.records.set(id, r);
      }
      const inUse = used.has(id);
      if (inUse) r.lastUsedMs = now;
      out.push({ id, firstSeenMs: r.firstSeenMs, lastUsedMs: r.lastUsedMs, inUse });
    }
    return out;
  }

  /** One periodic run, with the kubelet's events: one failure is logged, repeated ones are also an event. */
  private async periodic() {
    try {
      await this.garbageCollect();
      this.failedBefore = false;
    } catch (e) {
      const message = (e as Error).message;
      if (this.failedBefore) {
        this.o.log.warn('image garbage collection failed multiple times in a row', { err: e });
        this.o.warn('ImageGCFailed', message);
      } else this.o.log.warn('image garbage collection failed once', { err: e });
      this.failedBefore = true;
    }
  }

  /**
   * Collect when usage reached the high threshold; resolves with the bytes freed. Rejects (after a
   * FreeDiskSpaceFailed event) when the unused images could not bring usage down to the low threshold.
   */
  async garbageCollect(): Promise<number> {
    const candidates = await this.detect();
    const before = await this.usage();
    const need = bytesToFree(before.capacity, before.available, this.o.policy);
    if (need === 0) return 0;
    this.o.log.info('image store disk usage past the high threshold: removing unused images', { capacity: before.capacity, available: before.available, bytesToFree: need, highThresholdPercent: this.o.policy.highThresholdPercent });
    const freed = await this.free(candidates, before.available + need);
    if (freed < need) {
      const message = `Failed to garbage collect required amount of images. Attempted to free ${need} bytes, but only found ${freed} bytes eligible to free.`;
      this.o.warn('FreeDiskSpaceFailed', message);
      throw new Error(message);
    }
    return freed;
  }

  /** Remove every unused image old enough (the eviction manager's reclaim); resolves with the bytes freed. */
  async deleteUnusedImages(): Promise<number> {
    const candidates = await this.detect();
    return this.free(candidates, Number.POSITIVE_INFINITY);
  }

  /** Remove candidates in collection order until the filesystem has `targetAvailable` bytes free. */
  private free(candidates: GcCandidate[], targetAvailable: number): Promise<number> {
    // One collection at a time: the periodic run and the eviction manager's reclaim never interleave.
    const run = (this.running ?? Promise.resolve(0))
      .catch(() => 0)
      .then(async () => {
        const start = (await this.usage()).available;
        let available = start;
        for (const image of collectionOrder(candidates, this.now(), this.o.policy.minAgeMs)) {
          if (available >= targetAvailable) break;
          try {
            if (await this.o.store.removeImage(image.id)) this.o.log.info('removed unused image', { id: image.id, lastUsed: image.lastUsedMs ? new Date(image.lastUsedMs).toISOString() : 'never' });
            this.records.delete(image.id);
          } catch (e) {
            // Mounted by a container the pods do not show (yet): in use after all.
            this.o.log.info('image not removed', { id: image.id, err: e });
          }
          available = (await this.usage()).available;
        }
        return Math.max(0, available - start);
      });
    this.running = run;
    return run;
  }
}
