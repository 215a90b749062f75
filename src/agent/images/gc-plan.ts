// The kubelet's image garbage collection policy as pure functions: how many bytes the image store's
// filesystem must give back (usage at or past the high threshold frees down to the low one), and in which
// order images go, least recently used first, never one in use or first seen less than the minimum age ago.
// The manager (gc.ts) feeds them what it observed; the eviction manager's reclaim frees every unused
// image old enough (bytes = Infinity).

export interface ImageGcPolicy {
  /** Disk usage percent at or past which images are collected (100 turns collection off). */
  highThresholdPercent: number;
  /** Usage percent collection frees down to. */
  lowThresholdPercent: number;
  /** Images first seen more recently than this are never collected (an image pulled for a pod about to start). */
  minAgeMs: number;
}

/** The kubelet's defaults (--image-gc-high-threshold 85, --image-gc-low-threshold 80, --image-minimum-gc-age 2m). */
export const DEFAULT_IMAGE_GC_POLICY: ImageGcPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

export interface GcCandidate {
  id: string;
  firstSeenMs: number;
  lastUsedMs: number;
  inUse: boolean;
}

/** A policy's problem in the kubelet's words, or undefined when it is valid. */
export function policyProblem(p: ImageGcPolicy): string | undefined {
  for (const [name, v] of [
    ['image-gc-high-threshold', p.highThresholdPercent],
    ['image-gc-low-threshold', p.lowThresholdPercent],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 100) return `--${name} must be a whole percentage from 0 to 100, not ${v}`;
  }
  if (p.lowThresholdPercent > p.highThresholdPercent) return `--image-gc-low-threshold (${p.lowThresholdPercent}) can not be higher than --image-gc-high-threshold (${p.highThresholdPercent})`;
  if (!(p.minAgeMs >= 0)) return '--image-minimum-gc-age must not be negative';
  return undefined;
}

/**
 * Bytes to free so usage falls to the low threshold, when usage reached the high one; 0 otherwise.
 * A filesystem that reports no capacity is left alone (nothing sensible to compute).
 */
export function bytesToFree(capacity: number, available: number, p: ImageGcPolicy): number {
  if (!(capacity > 0) || p.highThresholdPercent >= 100) return 0;
  const usagePercent = 100 - (available * 100) / capacity;
  if (usagePercent < p.highThresholdPercent) return 0;
  return Math.max(0, Math.ceil((capacity * (100 - p.lowThresholdPercent)) / 100 - available));
}

/**
 * The order images are collected in: unused ones first seen at least the minimum age ago, least
 * recently used first (ties: first seen first, then by id so the order is stable). The manager removes
 * them one at a time and measures the filesystem after each, since shared layers and compression make
 * an image's size a poor guess of what removing it frees.
 */
export function collectionOrder(images: readonly GcCandidate[], now: number, minAgeMs: number): GcCandidate[] {
  return images.filter((i) => !i.inUse && now - i.firstSeenMs >= minAgeMs).sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.firstSeenMs - b.firstSeenMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
