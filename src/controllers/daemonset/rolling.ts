// maxUnavailable / maxSurge resolved against the number of nodes that should run the daemon,
// as Kubernetes does: percentages round up; both zero means one may be unavailable.

export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((Number(m[1]) * total) / 100) : Number(v) || 0;
}

export function rollingBudget(rolling: { maxUnavailable?: number | string; maxSurge?: number | string } | undefined, desired: number) {
  const maxSurge = scaledValue(rolling?.maxSurge, desired, 0);
  let maxUnavailable = scaledValue(rolling?.maxUnavailable, desired, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}
