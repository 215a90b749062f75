// A VolumeSnapshot's status mirrors its bound content's (the csi-snapshotter writes the content):
// the content's Unix-nanosecond creationTime becomes a timestamp, its byte restoreSize a quantity.

import { rfc3339 } from '../../util/time.js';
import type { VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotStatus } from '../../api/kinds/snapshot/index.js';

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Bytes as resource.NewQuantity(n, BinarySI) writes them: the largest binary suffix that divides exactly (1073741824 -> "1Gi", 1000 -> "1000"). */
export function bytesToQuantity(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return String(Math.max(0, Math.trunc(bytes) || 0));
  let n = bytes;
  let i = 0;
  while (i < BINARY_SUFFIXES.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n}${BINARY_SUFFIXES[i]}`;
}

/** Unix nanoseconds as a metav1.Time (RFC3339, whole seconds). */
export function nanosToTime(nanos: number): string | undefined {
  const ms = Math.floor(nanos / 1e6);
  if (!Number.isFinite(ms) || ms < 0 || ms > 253402300799000) return undefined;
  return rfc3339(ms);
}

/** The status `snapshot` should have, bound to `content`. */
export function statusFromContent(snapshot: VolumeSnapshot, content: VolumeSnapshotContent): VolumeSnapshotStatus {
  const c = content.status ?? {};
  const old = snapshot.status ?? {};
  const creationTime = typeof c.creationTime === 'number' ? nanosToTime(c.creationTime) : undefined;
  return {
    boundVolumeSnapshotContentName: content.metadata?.name,
    readyToUse: c.readyToUse === true,
    ...(creationTime ? { creationTime } : {}),
    ...(typeof c.restoreSize === 'number' ? { restoreSize: bytesToQuantity(c.restoreSize) } : {}),
    // The content's error is the snapshot's (the sidecar's CreateSnapshot failure); cleared with it.
    ...(c.error ? { error: c.error } : {}),
    ...(old.volumeGroupSnapshotName ? { volumeGroupSnapshotName: old.volumeGroupSnapshotName } : {}),
  };
}
