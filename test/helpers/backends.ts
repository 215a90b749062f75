// Runs an e2e suite once per store backend: embedded SQLite, and a real etcd started on loopback.
// Without the etcd binary the etcd run is skipped with the command that installs it.

import { describe, before, after } from 'node:test';
import { existsSync } from 'node:fs';
import { startCluster, type Backend, type Cluster } from './cluster.js';
import { startEtcd } from './etcd.js';

export const etcdAvailable = () => existsSync('/usr/bin/etcd') || !!process.env.ETCD_BIN;

/** Which backends to run: GIFEE_E2E_BACKENDS=sqlite,etcd (default both). */
function backends(): Backend[] {
  const env = process.env.GIFEE_E2E_BACKENDS;
  return (env ? env.split(',') : ['sqlite', 'etcd']) as Backend[];
}

/** describe() the suite per backend; `get()` returns that backend's running cluster inside tests. */
export function forEachBackend(name: string, suite: (get: () => Cluster) => void) {
  for (const backend of backends()) {
    const skip = backend === 'etcd' && !etcdAvailable() ? 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' : false;
    describe(`${name} [${backend}]`, { skip }, () => {
      let cluster: Cluster | undefined;
      let etcd: Awaited<ReturnType<typeof startEtcd>> | undefined;
      before(async () => {
        if (backend === 'etcd') etcd = await startEtcd();
        cluster = await startCluster({ backend, etcdEndpoints: etcd?.endpoints });
      });
      after(async () => {
        await cluster?.stop();
        await etcd?.stop();
      });
      suite(() => {
        if (!cluster) throw new Error('cluster not started');
        return cluster;
      });
    });
  }
}
