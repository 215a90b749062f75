// kubelet_volume_stats_*: each PersistentVolumeClaim mounted on the node, once per claim (two pods
// sharing a claim make one series), labelled with the claim's namespace and name, on the agent's
// /metrics as on the kubelet's (pkg/kubelet/metrics/collectors/volume_stats.go). Dashboards and the
// usual "volume filling up" alerts read these.

import { type Family, renderFamilies } from './prom-text.js';
import type { Collection, FsFigures } from './types.js';

const FIELDS: [string, string, keyof FsFigures][] = [
  ['kubelet_volume_stats_available_bytes', 'Number of available bytes in the volume', 'availableBytes'],
  ['kubelet_volume_stats_capacity_bytes', 'Capacity in bytes of the volume', 'capacityBytes'],
  ['kubelet_volume_stats_inodes', 'Maximum number of inodes in the volume', 'inodes'],
  ['kubelet_volume_stats_inodes_free', 'Number of free inodes in the volume', 'inodesFree'],
  ['kubelet_volume_stats_inodes_used', 'Number of used inodes in the volume', 'inodesUsed'],
  ['kubelet_volume_stats_used_bytes', 'Number of used bytes in the volume', 'usedBytes'],
];

export function renderVolumeStats(c: Collection | undefined): string {
  const families: Family[] = FIELDS.map(([name, help]) => ({ name, help: `[ALPHA] ${help}`, type: 'gauge', samples: [] }));
  const seen = new Set<string>();
  for (const p of c?.pods ?? []) {
    for (const v of p.volumes) {
      if (!v.pvcName) continue;
      const key = `${p.target.namespace}/${v.pvcName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const labels = { namespace: p.target.namespace, persistentvolumeclaim: v.pvcName };
      FIELDS.forEach(([, , field], i) => {
        const value = v.fs[field];
        if (typeof value === 'number') families[i].samples.push({ labels, value });
      });
    }
  }
  return renderFamilies(families);
}
