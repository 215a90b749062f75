// What the snapshot benchmarks (ha.ts, snapshot-scale.ts) share: the ConfigMaps they wrote counted
// back through the API, the copy baseline, a timer, and where `gifee snapshot save` put its file.

import { copyFile, open, rm } from 'node:fs/promises';
import type { Cluster } from '../test/helpers/cluster.js';

export const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
};

/** How many of the bench's ConfigMaps (o-*) namespace `fill` holds, from paged lists. */
export async function countConfigMaps(c: Cluster): Promise<number> {
  let n = 0;
  let cont = '';
  do {
    const r = await c.request('GET', `/api/v1/namespaces/fill/configmaps?limit=5000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    if (r.status !== 200) throw new Error(`list: ${r.status} ${r.body.slice(0, 300)}`);
    n += r.json.items.filter((o: { metadata: { name: string } }) => o.metadata.name.startsWith('o-')).length; // not kube-root-ca.crt
    cont = r.json.metadata.continue ?? '';
  } while (cont);
  return n;
}

/** The copy baseline: the snapshot file copied and fsynced, ms. */
export async function copyMs(file: string): Promise<number> {
  const dst = `${file}.copy`;
  const [, t] = await timed(async () => {
    await copyFile(file, dst);
    const h = await open(dst, 'r+');
    await h.sync();
    await h.close();
  });
  await rm(dst, { force: true });
  return t;
}

/** The file `gifee snapshot save` says it wrote. */
export function savedPath(out: string): string {
  const path = /saved: (\S+) \(/.exec(out)?.[1];
  if (!path) throw new Error(`no path in: ${out}`);
  return path;
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
