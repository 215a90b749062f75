// The command line of a managed etcd member (k3s' embedded etcd, as a child process): pure, so what
// gifee asks of etcd is unit-tested without starting one. Client and peer traffic are both TLS with
// client certificates from the etcd CA (DATA/pki/etcd-ca.*): no one without a certificate it signed
// can read the store or join as a peer.

import { join } from 'node:path';

/** Where a managed member lives and how it is reached. */
export interface EtcdMemberSpec {
  /** etcd's member name (unique in its cluster). */
  name: string;
  /** etcd's own data dir (DATA/etcd/data). */
  dataDir: string;
  /** The address etcd binds (the server's --bind-address; 0.0.0.0 binds every address). */
  listenAddress: string;
  /** The address peers and clients reach this member at: never 0.0.0.0. */
  advertiseAddress: string;
  clientPort: number;
  peerPort: number;
  /** DATA/pki: etcd-ca.crt, etcd-server.*, etcd-peer.* */
  pkiDir: string;
  /** "new" founds a cluster (--cluster-init); "existing" joins one whose members are in initialCluster. */
  initialClusterState: 'new' | 'existing';
  /** name=peerURL pairs of every member including this one; default this member alone. */
  initialCluster?: string;
  /**
   * Makes the new cluster's and members' ids unique (etcd derives them from the peer URLs and this):
   * two clusters founded on the same addresses must never take each other's peers for their own.
   */
  initialClusterToken: string;
  /** --cluster-reset: this member's data becomes a cluster of one, forgetting peers that are gone (etcd --force-new-cluster). */
  forceNewCluster?: boolean;
}

/** host:port for a URL, IPv6 addresses in brackets. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export const clientUrlOf = (s: Pick<EtcdMemberSpec, 'advertiseAddress' | 'clientPort'>) => `https://${hostPort(s.advertiseAddress, s.clientPort)}`;
export const peerUrlOf = (s: Pick<EtcdMemberSpec, 'advertiseAddress' | 'peerPort'>) => `https://${hostPort(s.advertiseAddress, s.peerPort)}`;

/** The files of the etcd PKI a member and its clients use, under DATA/pki. */
export function etcdPkiFiles(pkiDir: string) {
  return {
    ca: join(pkiDir, 'etcd-ca.crt'),
    serverCert: join(pkiDir, 'etcd-server.crt'),
    serverKey: join(pkiDir, 'etcd-server.key'),
    peerCert: join(pkiDir, 'etcd-peer.crt'),
    peerKey: join(pkiDir, 'etcd-peer.key'),
    clientCert: join(pkiDir, 'apiserver-etcd-client.crt'),
    clientKey: join(pkiDir, 'apiserver-etcd-client.key'),
  };
}

/** A member name etcd accepts and a table shows: letters, digits, '.', '_' and '-', at most 63. */
export function validMemberName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name);
}

/** etcd's arguments for this member. On a restart etcd ignores the initial-* flags: it reads its membership from its data. */
export function etcdArgs(s: EtcdMemberSpec): string[] {
  if (!validMemberName(s.name)) throw new Error(`"${s.name}" is not a valid etcd member name (letters, digits, '.', '_', '-'; at most 63)`);
  for (const [flag, port] of [
    ['client', s.clientPort],
    ['peer', s.peerPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`the etcd ${flag} port must be 1-65535, not ${port}`);
  }
  if (s.clientPort === s.peerPort) throw new Error(`the etcd client and peer ports must differ (both ${s.clientPort})`);
  if (s.advertiseAddress === '0.0.0.0' || s.advertiseAddress === '::' || !s.advertiseAddress) throw new Error('etcd needs an address to advertise to peers and clients, not a wildcard: pass --bind-address or --node-ip');
  const f = etcdPkiFiles(s.pkiDir);
  const peer = peerUrlOf(s);
  return [
    '--name',
    s.name,
    '--data-dir',
    s.dataDir,
    '--listen-client-urls',
    `https://${hostPort(s.listenAddress, s.clientPort)}`,
    '--advertise-client-urls',
    clientUrlOf(s),
    '--listen-peer-urls',
    `https://${hostPort(s.listenAddress, s.peerPort)}`,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    s.initialCluster ?? `${s.name}=${peer}`,
    '--initial-cluster-state',
    s.initialClusterState,
    '--initial-cluster-token',
    s.initialClusterToken,
    // Clients: TLS and a certificate from the etcd CA (the API server's apiserver-etcd-client).
    '--cert-file',
    f.serverCert,
    '--key-file',
    f.serverKey,
    '--client-cert-auth',
    '--trusted-ca-file',
    f.ca,
    // Peers: the same, both ways.
    '--peer-cert-file',
    f.peerCert,
    '--peer-key-file',
    f.peerKey,
    '--peer-client-cert-auth',
    '--peer-trusted-ca-file',
    f.ca,
    // JSON lines on stderr: gifee writes them to DATA/etcd/etcd.log and surfaces warnings.
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    // The API server compacts (as kube-apiserver does); etcd's own compaction stays off.
    '--auto-compaction-retention',
    '0',
    // Rewrites the membership in the data to this member alone; on a cluster of one, repeating it changes nothing.
    ...(s.forceNewCluster ? ['--force-new-cluster'] : []),
  ];
}
