// The server's managed etcd flags: --cluster-init founds a cluster whose store is an etcd member
// this server runs (managed-etcd.ts); the ports let several servers share one machine (tests).

import type { FlagTable } from '../args.js';
import { UsageError } from '../args.js';
import { DEFAULT_ETCD_CLIENT_PORT, DEFAULT_ETCD_PEER_PORT, type ManagedEtcdSettings } from './managed-etcd.js';

export const ETCD_FLAG_TABLE: FlagTable = {
  'cluster-init': { type: 'boolean', help: 'found an HA cluster: run a managed etcd member (DATA/etcd, TLS from the\netcd CA in DATA/pki) and use it as the store; a restart resumes it' },
  server: { type: 'string', value: 'URL', help: 'join the control plane of this server (https://FIRST:6443) as a member of its\nmanaged etcd; with --token-file' },
  'token-file': { type: 'string', value: 'FILE', help: "the first server's DATA/server-token (joins as a control-plane server)" },
  'cluster-reset': { type: 'boolean', help: "make this server's managed etcd member a cluster of one, keeping its data\n(after the other members are lost); remove the flag once it runs" },
  restore: { type: 'string', value: 'FILE', help: 'with --cluster-reset: rebuild the member from this etcd snapshot (once per\nsnapshot; objects created after it are gone)' },
  'etcd-client-port': { type: 'string', value: 'N', help: "the managed etcd's client port", default: String(DEFAULT_ETCD_CLIENT_PORT) },
  'etcd-peer-port': { type: 'string', value: 'N', help: "the managed etcd's peer port", default: String(DEFAULT_ETCD_PEER_PORT) },
};

function etcdPort(v: unknown, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${flag} must be a port number (1-65535), not "${String(v)}"`);
  return n;
}

/** The managed etcd settings; undefined when the store is chosen with --store/--etcd-endpoints (an external etcd or SQLite). */
export function managedEtcdOf(f: Record<string, unknown>): ManagedEtcdSettings | undefined {
  const clusterInit = f['cluster-init'] === true;
  const external = f.store !== undefined || f['etcd-endpoints'] !== undefined;
  if ((clusterInit || f.server !== undefined) && external) throw new UsageError('--cluster-init runs its own etcd as the store: drop --store and --etcd-endpoints (or drop --cluster-init to use that store)');
  const reset = f['cluster-reset'] === true;
  const restore = f.restore as string | undefined;
  if (restore !== undefined && !reset) throw new UsageError('--restore FILE rebuilds a managed etcd cluster and needs --cluster-reset; a SQLite snapshot restores with --restore-from FILE');
  if (restore === '') throw new UsageError('--restore needs a snapshot file (gifee snapshot ls)');
  if (reset && external) throw new UsageError("--cluster-reset resets this server's managed etcd member; an etcd of your own (--store/--etcd-endpoints) is reset with etcd's tools");
  if (reset && (f.server !== undefined || f['token-file'] !== undefined)) throw new UsageError('--cluster-reset makes this member a cluster of one; it cannot join another server (drop --server/--token-file, join again afterwards)');
  if (reset && f['restore-from'] !== undefined) throw new UsageError('--restore-from restores the embedded SQLite store; for a managed etcd use --cluster-reset --restore FILE');
  if (clusterInit && f['restore-from'] !== undefined) throw new UsageError('--restore-from restores the embedded SQLite store; it cannot be combined with --cluster-init');
  const clientPort = etcdPort(f['etcd-client-port'], 'etcd-client-port', DEFAULT_ETCD_CLIENT_PORT);
  const peerPort = etcdPort(f['etcd-peer-port'], 'etcd-peer-port', DEFAULT_ETCD_PEER_PORT);
  if (clientPort === peerPort) throw new UsageError(`--etcd-client-port and --etcd-peer-port must differ (both ${clientPort})`);
  if (external) {
    if (f['etcd-client-port'] !== undefined || f['etcd-peer-port'] !== undefined) throw new UsageError('--etcd-client-port and --etcd-peer-port are for the managed etcd (--cluster-init), not with --store/--etcd-endpoints');
    return undefined;
  }
  const server = f.server as string | undefined;
  const tokenFile = f['token-file'] as string | undefined;
  if (server !== undefined || tokenFile !== undefined) {
    if (clusterInit) throw new UsageError('--cluster-init founds a cluster and --server joins one: pass one of them');
    if (!server || !tokenFile) throw new UsageError("joining a control plane needs both --server https://FIRST:6443 and --token-file (the first server's DATA/server-token)");
    if (!/^https:\/\/[^/\s]+$/.test(server.replace(/\/+$/, ''))) throw new UsageError(`--server must be the first server's URL, https://ADDRESS:PORT, not "${server}"`);
    return { clusterInit, clientPort, peerPort, join: { server: server.replace(/\/+$/, ''), tokenFile } };
  }
  if (reset) return { clusterInit, clientPort, peerPort, reset: restore === undefined ? {} : { restore } };
  // Without --cluster-init the settings still apply: a data dir that already has a managed member resumes it.
  return { clusterInit, clientPort, peerPort };
}
