// The kubelet's eviction message, word for word, so users searching for it find the usual
// explanations: "The node was low on resource: memory. Threshold quantity: 100Mi, available:
// 51200Ki. Container app was using 80Mi, request is 0, has larger consumption of memory. "

export interface ContainerUsage {
  name: string;
  usage: number;
  request: number;
}

/** A byte count as Kubernetes prints a binary quantity: the largest of Ki, Mi, Gi... that divides it, else plain. */
export function formatBytes(n: number): string {
  const v = Math.round(n);
  if (v === 0) return '0';
  const units = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
  for (let i = 0; i < units.length; i++) {
    const f = 2 ** (10 * (units.length - i));
    if (v % f === 0) return `${v / f}${units[i]}`;
  }
  return String(v);
}

export function evictionMessage(resource: string, threshold: string, available: string, containers: ContainerUsage[]): string {
  let m = `The node was low on resource: ${resource}. Threshold quantity: ${threshold}, available: ${available}. `;
  for (const c of containers) {
    if (c.usage > c.request) m += `Container ${c.name} was using ${formatBytes(c.usage)}, request is ${formatBytes(c.request)}, has larger consumption of ${resource}. `;
  }
  return m;
}
