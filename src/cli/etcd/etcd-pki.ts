// The etcd PKI under DATA/pki, as kubeadm lays it out: a CA of its own (etcd-ca), etcd's serving
// certificate (etcd-server), its peer certificate (etcd-peer) and the API server's client
// certificate (apiserver-etcd-client). A CA apart from the cluster's: a certificate the cluster CA
// signs for a node or a user never opens the store.

import { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EtcdTls } from '../../store/etcd/store.js';
import { type CertPair, createCa, issueCert, loadOrCreate, writePair } from '../pki.js';

/** The name every member certificate carries, checked by clients instead of the member's address. */
export const ETCD_SERVER_NAME = 'localhost';

export interface EtcdPki {
  ca: CertPair;
  server: CertPair;
  peer: CertPair;
  client: CertPair;
}

/** Creates what is missing (reissuing a member certificate that does not cover `ips`); reuses the rest. */
export async function ensureEtcdPki(dataDir: string, ips: string[]): Promise<EtcdPki> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreate(dir, 'etcd-ca', () => createCa('etcd-ca'));
  const names = { dnsNames: [ETCD_SERVER_NAME], ips: [...new Set(['127.0.0.1', ...ips])] };
  // Both usages: etcd's gRPC gateway dials its own client port with the serving certificate, and
  // peers present theirs as clients to each other.
  const member = async (file: string) => {
    const make = () => issueCert(ca, { commonName: `etcd-${file}`, usage: 'both', ...names });
    let pair = await loadOrCreate(dir, `etcd-${file}`, make);
    if (!names.ips.every((ip) => new X509Certificate(pair.cert).checkIP(ip) !== undefined)) {
      pair = await make();
      await writePair(dir, `etcd-${file}`, pair);
    }
    return pair;
  };
  const server = await member('server');
  const peer = await member('peer');
  const client = await loadOrCreate(dir, 'apiserver-etcd-client', () => issueCert(ca, { commonName: 'kube-apiserver-etcd-client', usage: 'client' }));
  return { ca, server, peer, client };
}

/** What the store and `gifee etcd` present to etcd. */
export const clientTlsOf = (p: Pick<EtcdPki, 'ca' | 'client'>): EtcdTls => ({ ca: p.ca.cert, cert: p.client.cert, key: p.client.key, serverName: ETCD_SERVER_NAME });
