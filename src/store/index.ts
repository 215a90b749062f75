// Opens the configured store: embedded SQLite (the default) or an etcd v3 cluster.

import { join } from 'node:path';
import type { Logger } from '../util/log.js';
import type { Store } from './types.js';

export * from './types.js';

export async function openStore(opts: { backend: 'sqlite' | 'etcd'; dataDir?: string; etcdEndpoints?: string[]; etcdTls?: import('./etcd/store.js').EtcdTls; etcdCallTimeoutMs?: number; etcdDiscoverMembers?: boolean; etcdMembers?: import('./etcd/members.js').EtcdMembers; log?: Logger }): Promise<Store> {
  if (opts.backend === 'etcd') {
    if (!opts.etcdEndpoints?.length) throw new Error('the etcd store needs endpoints: pass --etcd-endpoints https://host:2379[,...]');
    const { EtcdStore } = await import('./etcd/store.js');
    const s = new EtcdStore(opts.etcdEndpoints, opts.etcdTls, { ...(opts.etcdCallTimeoutMs ? { callTimeoutMs: opts.etcdCallTimeoutMs } : {}), discoverMembers: opts.etcdDiscoverMembers, members: opts.etcdMembers, log: opts.log });
    await s.ready();
    return s;
  }
  if (!opts.dataDir) throw new Error('the sqlite store needs a data directory (--data-dir)');
  const { SqliteStore } = await import('./sqlite/store.js');
  return new SqliteStore(join(opts.dataDir, 'state.db'));
}
