// Starting the node agent from the CLI: embedded in `gifee server`/`gifee up` (sharing the
// server's PKI), with a serving certificate for its stream port signed by the cluster CA.

import type { InformerFactory } from '../client/informer-factory.js';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '../agent/agent.js';
import { logger } from '../util/log.js';
import { issueCert, type CertPair, type Pki } from './pki.js';
import { UsageError } from './args.js';
import type { NodeProtection } from './node-protection-flags.js';

/** The machine's first non-loopback IPv4 address: what other nodes and the API server reach it at. */
export function detectNodeIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function agentServingCert(dataDir: string, ca: CertPair, nodeName: string, nodeIP: string): Promise<CertPair> {
  const crt = join(dataDir, 'pki', `agent-${nodeName}.crt`);
  const key = join(dataDir, 'pki', `agent-${nodeName}.key`);
  if (existsSync(crt) && existsSync(key)) return { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
  const pair = await issueCert(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'both', dnsNames: [nodeName, 'localhost'], ips: [nodeIP, '127.0.0.1'] });
  await writeFile(key, pair.key, { mode: 0o600 });
  await writeFile(crt, pair.cert);
  return pair;
}

/** What an agent is told about its node, embedded or joined: identity, network and protection. */
export interface AgentNodeOptions extends NodeProtection {
  dataDir: string;
  nodeName?: string;
  nodeIP?: string;
  port: number;
  bridge?: string;
  runtime?: 'runc' | 'process';
  clusterDNS?: string;
  /** The first container restart back-off (GIFEE_RESTART_BACKOFF_MS through tunables.ts; default the kubelet's 10 s). */
  restartBackoffMs?: number;
}

export interface EmbeddedAgentOptions extends AgentNodeOptions {
  serverUrl: string;
  pki: Omit<Pki, 'serviceAccount'>;
  clusterCIDR?: string;
  serviceCIDR?: string;
}

/** informers: a factory to share with other components in this process (in-process mode); else the agent makes its own. */
export async function startEmbeddedAgent(o: EmbeddedAgentOptions & { informers?: InformerFactory }): Promise<Agent> {
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const nodeIP = o.nodeIP ?? detectNodeIP();
  const serving = await agentServingCert(o.dataDir, o.pki.ca, nodeName, nodeIP);
  const { startAgent } = await import('../agent/agent.js');
  return startAgent({
    client: { server: o.serverUrl, ca: o.pki.ca.cert, cert: o.pki.admin.cert, key: o.pki.admin.key },
    // Same admin identity as the control plane in this process: share its informers.
    informers: o.informers,
    dataDir: o.dataDir,
    nodeName,
    nodeIP,
    port: o.port,
    bridge: o.bridge,
    runtime: o.runtime,
    clusterDNS: o.clusterDNS,
    clusterCIDR: o.clusterCIDR,
    serviceCIDR: o.serviceCIDR,
    podMaxPids: o.podMaxPids,
    evictionHard: o.evictionHard,
    evictionTransitionMs: o.evictionTransitionMs,
    evictionSoft: o.evictionSoft,
    evictionMaxPodGraceSeconds: o.evictionMaxPodGraceSeconds,
    tls: { cert: serving.cert, key: serving.key, clientCA: o.pki.ca.cert },
    restartBackoffMs: o.restartBackoffMs,
    log: logger('agent'),
  });
}

export interface JoinOptions extends AgentNodeOptions {
  server: string;
  token: string;
}

/** The cluster CA from the server's /cacerts, trusted only if it matches the hash in the join token. */
async function fetchClusterCA(server: string, expectedHash: string | undefined): Promise<string> {
  const https = await import('node:https');
  const pem = await new Promise<string>((resolve, reject) => {
    // Not verified yet: we have no CA. The token's hash is what makes the answer trustworthy.
    const req = https.get(`${server}/cacerts`, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`${server}/cacerts answered ${res.statusCode}`))));
    });
    req.on('error', (e) => reject(new UsageError(`cannot reach the server at ${server}: ${e.message}`)));
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
  const { caHash } = await import('./join-token.js');
  if (expectedHash && caHash(pem) !== expectedHash) {
    throw new UsageError(`the server at ${server} presented a CA that does not match the join token: wrong server, or a man in the middle`);
  }
  return pem;
}

/** `gifee agent`: join a cluster as a worker node with a join token. */
export async function runJoinedAgent(o: JoinOptions): Promise<void> {
  const { parseJoinToken } = await import('./join-token.js');
  const { createCa } = await import('./pki.js');
  const { mkdir } = await import('node:fs/promises');
  const log = logger('agent');
  // Like the kubelet: the node agent is the last process the OOM killer should pick.
  const { protectFromOomKiller } = await import('../agent/node/oom-protect.js');
  await protectFromOomKiller(log);
  const { caHash: hash, secret } = parseJoinToken(o.token);
  if (!hash) log.warn("the join token carries no CA hash: trusting the server's CA on first use");
  const ca = await fetchClusterCA(o.server, hash);
  const { secureDataDir } = await import('./data-dir-perms.js');
  await secureDataDir(o.dataDir, log);
  await mkdir(join(o.dataDir, 'pki'), { recursive: true, mode: 0o700 });
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const nodeIP = o.nodeIP ?? detectNodeIP();
  // The agent's serving certificate is its own (the API server does not verify it, as with kubelets).
  const own = await loadOrMake(join(o.dataDir, 'pki'), 'agent-ca', () => createCa(`gifee-agent-${nodeName}`));
  const serving = await agentServingCert(o.dataDir, own, nodeName, nodeIP);
  const { startAgent } = await import('../agent/agent.js');
  const agent = await startAgent({
    client: { server: o.server, ca, token: secret },
    dataDir: o.dataDir,
    nodeName,
    nodeIP,
    port: o.port,
    bridge: o.bridge,
    runtime: o.runtime,
    clusterDNS: o.clusterDNS,
    podMaxPids: o.podMaxPids,
    evictionHard: o.evictionHard,
    evictionTransitionMs: o.evictionTransitionMs,
    evictionSoft: o.evictionSoft,
    evictionMaxPodGraceSeconds: o.evictionMaxPodGraceSeconds,
    tls: { cert: serving.cert, key: serving.key, clientCA: ca },
    restartBackoffMs: o.restartBackoffMs,
    log,
  });
  await new Promise<void>((resolve) => {
    const stop = async (signal: string) => {
      log.info('shutting down', { signal });
      await agent.stop().catch(() => undefined);
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}

async function loadOrMake(dir: string, name: string, make: () => Promise<CertPair>): Promise<CertPair> {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (existsSync(crt) && existsSync(key)) return { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
  const pair = await make();
  await writeFile(key, pair.key, { mode: 0o600 });
  await writeFile(crt, pair.cert);
  return pair;
}
