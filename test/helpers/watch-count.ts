// Open watches per resource, as the API server reports them on /metrics
// (apiserver_registered_watchers), for tests that check how many watches components keep.

import type { Cluster } from './cluster.js';

export async function openWatches(cluster: Pick<Cluster, 'request'>, resource: string, group = ''): Promise<number> {
  const res = await cluster.request('GET', '/metrics');
  let n = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('apiserver_registered_watchers{')) continue;
    if (line.includes(`resource="${resource}"`) && line.includes(`group="${group}"`)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}
