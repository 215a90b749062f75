// The kubelet's local storage capacity isolation: a pod past one of its own local-disk limits is
// evicted whatever the node's pressure, checked every monitoring interval before the node-pressure
// signals. In the kubelet's order: a disk-backed emptyDir over its sizeLimit, then the pod's total
// ephemeral storage (writable layers, logs, emptyDirs and its other files) over the sum of its
// containers' ephemeral-storage limits, then one container (writable layer + logs) over its own
// limit. Messages are the kubelet's, word for word. Memory-medium emptyDirs are tmpfs mounts sized to
// their limit (and are not on this disk: the walk never crosses into another filesystem).

import { parseQuantity } from '../../api/quantity.js';
import type { DiskUsage } from './disk-usage.js';

/** What one pod declared about its local disk, and where that disk use lives. */
export interface LocalStorageLimits {
  /** Disk-backed emptyDirs with a sizeLimit. */
  emptyDirs: { name: string; path: string; sizeLimit: string }[];
  containers: { name: string; ephemeralLimit?: string; writableLayer?: string; logDir?: string }[];
  /** Everything the pod holds on the node's disk besides the writable layers (its directory, its logs). */
  podPaths: string[];
}

/** Whether a pod declares anything this check enforces (the others are never walked). */
export function hasLocalStorageLimits(l: LocalStorageLimits): boolean {
  return l.emptyDirs.length > 0 || l.containers.some((c) => c.ephemeralLimit !== undefined);
}

const bytes = (q: string | undefined): number | undefined => {
  if (q === undefined) return undefined;
  try {
    const n = parseQuantity(q);
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
};

/** A byte count as Kubernetes prints a quantity it computed (binary suffixes when exact, else plain). */
function quantityString(n: number): string {
  for (const [s, f] of [
    ['Ei', 2 ** 60],
    ['Pi', 2 ** 50],
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (n >= f && n % f === 0) return `${n / f}${s}`;
  }
  return String(n);
}

export const emptyDirMessage = (name: string, limit: string) => `Usage of EmptyDir volume "${name}" exceeds the limit "${limit}". `;
export const podEphemeralMessage = (limit: string) => `Pod ephemeral local storage usage exceeds the total limit of containers ${limit}. `;
export const containerEphemeralMessage = (name: string, limit: string) => `Container ${name} exceeded its local ephemeral storage limit "${limit}". `;

/**
 * The eviction message for the first limit this pod is past, or undefined. `usage` measures paths
 * (undefined: unknown, which never evicts); each path set is measured once.
 */
export async function localStorageViolation(l: LocalStorageLimits, usage: (paths: string[]) => Promise<DiskUsage | undefined>): Promise<string | undefined> {
  for (const d of l.emptyDirs) {
    const limit = bytes(d.sizeLimit);
    if (limit === undefined) continue;
    const used = await usage([d.path]);
    if (used && used.bytes > limit) return emptyDirMessage(d.name, d.sizeLimit);
  }
  const limited = l.containers.filter((c) => bytes(c.ephemeralLimit) !== undefined);
  if (limited.length === 0) return undefined;
  // Each container's writable layer and logs, measured once for both checks below.
  const none = { bytes: 0, inodes: 0 };
  const perContainer = await Promise.all(
    l.containers.map(async (c) => {
      const layer = c.writableLayer ? await usage([c.writableLayer]) : none;
      const logs = c.logDir ? await usage([c.logDir]) : none;
      return { c, layer, used: layer && logs ? layer.bytes + logs.bytes : undefined };
    }),
  );
  // The pod's total: its directory (emptyDirs, /etc files), its logs and its writable layers.
  const podLimit = limited.reduce((s, c) => s + bytes(c.ephemeralLimit)!, 0);
  const rest = await usage(l.podPaths);
  if (rest && perContainer.every((x) => x.layer)) {
    const total = rest.bytes + perContainer.reduce((s, x) => s + x.layer!.bytes, 0);
    if (total > podLimit) return podEphemeralMessage(quantityString(podLimit));
  }
  for (const { c, used } of perContainer) {
    const limit = bytes(c.ephemeralLimit);
    if (limit !== undefined && used !== undefined && used > limit) return containerEphemeralMessage(c.name, c.ephemeralLimit!);
  }
  return undefined;
}
