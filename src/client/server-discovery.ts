// Keeps a server pool's learned servers current from the cluster: the `default/kubernetes`
// Endpoints list the live API servers (maintained by the servers themselves), so an agent given one
// --server finds the others and can fail over to them. Read every interval (one small GET; a node
// may get that object); a failed read keeps what was learned before, and the seeds always stay.

import type { Logger } from '../util/log.js';
import { serversFromEndpoints } from './kubernetes-endpoints.js';
import type { RestClient } from './rest.js';

const PATH = '/api/v1/namespaces/default/endpoints/kubernetes';

export interface ServerDiscovery {
  /** Read the Endpoints now (also done at start and every interval). */
  refresh(): Promise<void>;
  stop(): void;
}

/** onLearned: told the cluster's list when it changed (the agent keeps it on disk for its next start). */
export function discoverServers(client: RestClient, log: Logger, o: { intervalMs?: number; onLearned?: (servers: string[]) => void } = {}): ServerDiscovery {
  let stopped = false;
  let last = '';
  const refresh = async () => {
    try {
      const urls = serversFromEndpoints(await client.request('GET', PATH));
      if (stopped || urls.length === 0) return;
      client.pool.setLearned(urls);
      const now = urls.join(',');
      if (now !== last) {
        log.info('API servers of the cluster', { servers: client.pool.servers });
        o.onLearned?.(urls);
      }
      last = now;
    } catch (e) {
      log.debug('cannot read the kubernetes endpoints; keeping the servers known', { err: (e as Error).message });
    }
  };
  const timer = setInterval(() => void refresh(), o.intervalMs ?? 30_000);
  timer.unref();
  void refresh();
  return {
    refresh,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
