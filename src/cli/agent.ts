// Starting the node agent from the CLI: embedded in `gifee server`/`gifee up` (sharing the
// server's PKI), with a serving certificate for its stream port signed by the cluster CA.

import type { InformerFactory } from '../client/informer-factory.js';
import { existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '../agent/agent.js';
import { logger } from '../util/log.js';
import { issueCert, KUBELET_CLIENT_USER, type CertPair, type Pki } from './pki.js';
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
  if (existsSync(crt) && existsSync(key)) {
    const held = { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
    // The API server checks this certificate against the node's address: reissue when the address moved or it nears expiry.
    const c = new X509Certificate(held.cert);
    if (c.checkIP(nodeIP) !== undefined && Date.parse(c.validTo) > Date.now() + 30 * 24 * 3600 * 1000) return held;
  }
  const pair = await issueCert(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'server', dnsNames: [nodeName, 'localhost'], ips: [nodeIP, '127.0.0.1'] });
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
}

export interface EmbeddedAgentOptions extends AgentNodeOptions {
  serverUrl: string;
  /** The cluster CA certificate (never its key: the agent may run in a process of its own). */
  ca: string;
  /** The agent's client certificate (system:node:NAME in system:nodes). */
  client: CertPair;
  /** The agent's serving certificate for its port, signed by the cluster CA for its name and IP. */
  serving: CertPair;
  nodeName: string;
  nodeIP: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
}

/** The embedded agent's name and address (lowercased hostname, first non-loopback IPv4 unless given). */
export function embeddedNodeIdentity(o: { nodeName?: string; nodeIP?: string }): { nodeName: string; nodeIP: string } {
  return { nodeName: (o.nodeName ?? hostname()).toLowerCase(), nodeIP: o.nodeIP ?? detectNodeIP() };
}

/** Issued in the server process, which holds the CA key: the agent gets only its own certificates. */
export async function embeddedAgentCredentials(dataDir: string, pki: Pki, nodeName: string, nodeIP: string): Promise<{ client: CertPair; serving: CertPair }> {
  const { ensureNodeClientCert } = await import('./pki.js');
  return { client: await ensureNodeClientCert(dataDir, pki.ca, nodeName), serving: await agentServingCert(dataDir, pki.ca, nodeName, nodeIP) };
}

/** informers: a factory to share with components of the same identity in this process; else the agent makes its own. */
export async function startEmbeddedAgent(o: EmbeddedAgentOptions & { informers?: InformerFactory }): Promise<Agent> {
  const { startAgent } = await import('../agent/agent.js');
  return startAgent({
    client: { server: o.serverUrl, ca: o.ca, cert: o.client.cert, key: o.client.key },
    informers: o.informers,
    dataDir: o.dataDir,
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    port: o.port,
    bridge: o.bridge,
    runtime: o.runtime,
    clusterDNS: o.clusterDNS,
    clusterCIDR: o.clusterCIDR,
    serviceCIDR: o.serviceCIDR,
    podMaxPids: o.podMaxPids,
    evictionHard: o.evictionHard,
    evictionTransitionMs: o.evictionTransitionMs,
    tls: { cert: o.serving.cert, key: o.serving.key, clientCA: o.ca, clientUsers: [KUBELET_CLIENT_USER] },
    restartBackoffMs: process.env.GIFEE_RESTART_BACKOFF_MS ? Number(process.env.GIFEE_RESTART_BACKOFF_MS) : undefined,
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
    tls: { cert: serving.cert, key: serving.key, clientCA: ca, clientUsers: [KUBELET_CLIENT_USER] },
    restartBackoffMs: process.env.GIFEE_RESTART_BACKOFF_MS ? Number(process.env.GIFEE_RESTART_BACKOFF_MS) : undefined,
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
