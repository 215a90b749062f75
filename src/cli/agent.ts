// Starting the node agent from the CLI: embedded in `gifee server`/`gifee up` (sharing the
// server's PKI), with a serving certificate for its stream port signed by the cluster CA.

import type { InformerFactory } from '../client/informer-factory.js';
import { existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { logger } from '../util/log.js';
import { issueCert, KUBELET_CLIENT_USER, type CertPair, type Pki, keyMatches, writePair } from './pki.js';
import { UsageError } from './args.js';
import type { NodeProtection } from './node-protection-flags.js';
import type { CsiSettings } from './csi-flags.js';
import type { IngressSettings } from './ingress-flags.js';
import type { StreamLimitSettings } from './stream-limit-flags.js';
import { ignoreError, logFailure } from '../util/best-effort.js';

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
    if (c.checkIP(nodeIP) !== undefined && Date.parse(c.validTo) > Date.now() + 30 * 24 * 3600 * 1000 && keyMatches(held)) return held;
  }
  const pair = await issueCert(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'server', dnsNames: [nodeName, 'localhost'], ips: [nodeIP, '127.0.0.1'] });
  await writePair(join(dataDir, 'pki'), `agent-${nodeName}`, pair);
  return pair;
}

/** What an agent is told about its node, embedded or joined: identity, network and protection. */
export interface AgentNodeOptions extends NodeProtection, CsiSettings, IngressSettings, StreamLimitSettings {
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

/** The embedded agent, whose certificates the server renews while it runs (certs/leaf-rotation.ts). */
export interface EmbeddedAgent {
  stop(): Promise<void>;
  /** Renewed certificates: the client one for the next connections to the API server, the serving one for the next handshakes on the agent's port. */
  update(o: Pick<EmbeddedAgentOptions, 'client' | 'serving'>): void;
}

/** informers: a factory to share with components of the same identity in this process; else the agent makes its own. */
export async function startEmbeddedAgent(o: EmbeddedAgentOptions & { informers?: InformerFactory }): Promise<EmbeddedAgent> {
  const [{ startAgent }, { RotatingCredentials }] = await Promise.all([import('../agent/agent.js'), import('../client/rotating-credentials.js')]);
  const credentials = new RotatingCredentials(o.client.cert, o.client.key);
  const agent = await startAgent({
    client: { server: o.serverUrl, ca: o.ca, rotating: credentials },
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
    evictionSoft: o.evictionSoft,
    evictionMaxPodGraceSeconds: o.evictionMaxPodGraceSeconds,
    imageGc: o.imageGc,
    nodeLeaseSeconds: o.nodeLeaseSeconds,
    kubeletDir: o.kubeletDir,
    ingress: o.ingress,
    streamLimits: o.streamLimits,
    tls: { cert: o.serving.cert, key: o.serving.key, clientCA: o.ca, clientUsers: [KUBELET_CLIENT_USER] },
    restartBackoffMs: o.restartBackoffMs,
    log: logger('agent'),
  });
  let held = { client: o.client.cert, serving: o.serving.cert };
  return {
    stop: () => agent.stop(),
    update: (c) => {
      // Only what changed: a new client certificate cuts the pooled connections (watches reconnect).
      if (c.client.cert !== held.client) credentials.set(c.client.cert, c.client.key);
      if (c.serving.cert !== held.serving) agent.setServingCertificate(c.serving.cert, c.serving.key);
      held = { client: c.client.cert, serving: c.serving.cert };
    },
  };
}

export interface JoinOptions extends AgentNodeOptions {
  /** Builds a failed switch went to: not switched to again by this process (agent-upgrade.ts). */
  refusedBuilds?: string[];
  /** The API servers given with --server (at least one): tried in turn to join, then the pool's seeds. */
  servers: string[];
  /** Learn the cluster's other servers from the kubernetes Endpoints (and keep them for the next start); default true. */
  serverDiscovery?: boolean;
  /** The join token; not needed by an agent that already holds a valid certificate of its own. */
  token?: string;
}

/** The cluster CA from a server's /cacerts, trusted only if it matches the hash in the join token. */
async function fetchClusterCAFrom(server: string, expectedHash: string | undefined): Promise<string> {
  const https = await import('node:https');
  const pem = await new Promise<string>((resolve, reject) => {
    // Not verified yet: we have no CA. The token's hash is what makes the answer trustworthy.
    const req = https.get(`${server}/cacerts`, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let b = '';
      res.on('data', (d) => {
        b += d;
        // A CA bundle is a few kilobytes: a server sending more is not one to trust.
        if (b.length > 1 << 20) req.destroy(new Error('the answer is too large for a CA certificate'));
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`${server}/cacerts answered ${res.statusCode}`))));
    });
    req.on('error', (e) => reject(new Error(`cannot reach the server at ${server}: ${e.message}`)));
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
  const { caHash } = await import('./join-token.js');
  if (expectedHash && caHash(pem) !== expectedHash) {
    throw new UsageError(`the server at ${server} presented a CA that does not match the join token: wrong server, or a man in the middle`);
  }
  return pem;
}

/**
 * The cluster CA from the first seed that answers. A seed that presents another CA than the
 * token's hash stops the join at once (it is the wrong cluster or an attacker: never skipped for
 * the next); one that cannot be reached is passed over for the next.
 */
async function fetchClusterCA(servers: readonly string[], expectedHash: string | undefined): Promise<string> {
  const unreachable: string[] = [];
  for (const server of servers) {
    try {
      return await fetchClusterCAFrom(server, expectedHash);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      unreachable.push((e as Error).message);
    }
  }
  throw new UsageError(`${unreachable.join('; ')}: check --server and that a server is running`);
}

/** `gifee agent`: join a cluster as a worker node, as system:node:NAME with certificates from the cluster's CSR signers. */
export async function runJoinedAgent(o: JoinOptions): Promise<void> {
  const { parseJoinToken } = await import('./join-token.js');
  const { mkdir } = await import('node:fs/promises');
  const ni = await import('./node-identity.js');
  const log = logger('agent');
  // A data dir of a newer gifee is refused before anything is changed (its state may not be ours to read).
  const { checkDataDirVersion, stampDataDir } = await import('./data-dir-version.js');
  const { GIFEE_VERSION } = await import('../api/version.js');
  const up = await import('./agent-upgrade.js');
  const { imageBuildPath } = await import('../agent/upgrade/image-build.js');
  const { createImageStore } = await import('../agent/images/store.js');
  // A rollback: the build this one was switched to has stamped the data dir; this one was asked back.
  const switchedFrom = process.env[up.SWITCHED_FROM_ENV];
  const { readDataDirStamp } = await import('./data-dir-version.js');
  if (!switchedFrom || (await readDataDirStamp(o.dataDir).catch(ignoreError('checkDataDirVersion reads the stamp again and says what is wrong')))?.gifee !== switchedFrom) await checkDataDirVersion(o.dataDir, GIFEE_VERSION, 'gifee agent');
  // Like the kubelet: the node agent is the last process the OOM killer should pick.
  const { protectFromOomKiller } = await import('../agent/node/oom-protect.js');
  await protectFromOomKiller(log);
  const { secureDataDir } = await import('./data-dir-perms.js');
  await secureDataDir(o.dataDir, log);
  await stampDataDir(o.dataDir, GIFEE_VERSION);
  const pkiDir = join(o.dataDir, 'pki');
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const nodeIP = o.nodeIP ?? detectNodeIP();
  const commonName = `system:node:${nodeName}`;
  // One pool of API servers for every client of this agent: the seeds, then those the cluster lists.
  const { ServerPool } = await import('../client/server-pool.js');
  const pool = new ServerPool(o.servers, { onSwitch: (from, to, why) => log.warn('switching API server', { from, to, why }) });
  // Those learned before this start, so a restart while the --server seeds are down still finds the cluster.
  const known = await import('./known-servers.js');
  const discover = o.serverDiscovery !== false;
  if (discover) pool.setLearned(await known.loadKnownServers(o.dataDir));
  const server = o.servers[0];
  const caFile = join(pkiDir, 'ca.crt');
  const join_ = o.token ? parseJoinToken(o.token) : undefined;
  // The CA: the one the token's hash vouches for, else the one stored at the first join.
  let ca: string;
  if (join_) {
    if (!join_.caHash) log.warn("the join token carries no CA hash: trusting the server's CA on first use");
    ca = await fetchClusterCA(pool.servers, join_.caHash).catch(async (e: Error) => {
      // The cluster's CA was rotated since the token was made (its bundle has another hash): an agent
      // that joined before carries on if the bundle it holds verifies the server and vouches for the new one.
      const held = existsSync(caFile) ? await readFile(caFile, 'utf8') : undefined;
      if (!(e instanceof UsageError) || !held) throw e;
      const { CaBundleRefresher } = await import('./ca-bundle.js');
      const r = new CaBundleRefresher({ servers: () => pool.servers, current: held, file: caFile, onChange: () => undefined, log });
      const outcome = await r.refresh().catch(() => 'unreachable' as const);
      if (outcome !== 'changed' && outcome !== 'same') throw e;
      log.warn("the join token's CA hash is not the cluster's bundle any more (a CA rotation): carrying on with the bundle this node held, refreshed from the server");
      return r.bundle;
    });
    await writeFile(caFile, ca, { mode: 0o644 });
  } else if (existsSync(caFile)) ca = await readFile(caFile, 'utf8');
  else throw new UsageError('gifee agent: --token (or --token-file) is required to join: the server writes it to DATA/node-token');
  // The cluster's CA bundle, asked for now and every minute over TLS verified with the one held
  // (ca-bundle.ts): a CA rotation on the servers reaches this agent without a new join.
  const { CaBundleRefresher } = await import('./ca-bundle.js');
  let onCa: (bundle: string) => Promise<void> | void = (bundle) => {
    ca = bundle;
  };
  const caRefresher = new CaBundleRefresher({ servers: () => pool.servers, current: ca, file: caFile, onChange: (bundle) => onCa(bundle), log });
  if (!join_) await caRefresher.refresh().catch((e: Error) => log.warn('cannot refresh the CA bundle', { err: e.message }));
  // The client certificate: the stored one while valid, else one asked for with the bootstrap token.
  let clientPair = await ni.loadValidPair(pkiDir, ni.CLIENT_FILE, ca, commonName);
  if (!clientPair) {
    if (!join_) throw new UsageError(`gifee agent: this node's certificate in ${pkiDir} is missing or expired: join again with --token`);
    clientPair = await ni.bootstrapClientCertificate({ server, pool, ca, bootstrapToken: join_.token, nodeName, log }).catch((e: Error & { code?: number }) => {
      if (e.code === 401) throw new UsageError(`the server refused the join token (401 Unauthorized): it is wrong, expired or deleted; make a new one with \`gifee token create\` on the server`);
      throw e;
    });
    await ni.storePair(pkiDir, ni.CLIENT_FILE, clientPair);
    log.info('this node has its own client certificate', { user: commonName });
  }
  const { RotatingCredentials, RotatingCa } = await import('../client/rotating-credentials.js');
  const credentials = new RotatingCredentials(clientPair.cert, clientPair.key);
  // The CA bundle every client of this agent verifies servers with: a refreshed one reaches them all.
  const trust = new RotatingCa(ca);
  const { RestClient } = await import('../client/rest.js');
  const client = new RestClient({ server, pool, ca, rotating: credentials, rotatingCa: trust, userAgent: `gifee-agent/${nodeName} (certificates)` });
  await up.checkServerSkew(client, log);
  const { discoverServers } = await import('../client/server-discovery.js');
  const discovery = discover
    ? discoverServers(client, log, {
        onLearned: (servers) => void known.saveKnownServers(o.dataDir, servers).catch((e) => log.warn('cannot keep the list of API servers', { err: (e as Error).message })),
      })
    : undefined;
  // The serving certificate: the stored one while valid, else a throwaway one until the signer's arrives.
  let servingPair = await ni.loadValidPair(pkiDir, ni.SERVING_FILE, ca, commonName);
  const temporary = !servingPair;
  if (!servingPair) {
    const { createCa } = await import('./pki.js');
    servingPair = await issueCert(await createCa(`gifee-agent-${nodeName}-temporary`), { commonName, usage: 'server', dnsNames: [nodeName], ips: [nodeIP] });
  }
  const { startAgent } = await import('../agent/agent.js');
  const agent = await startAgent({
    client: { server, pool, ca, rotating: credentials, rotatingCa: trust },
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
    imageGc: o.imageGc,
    nodeLeaseSeconds: o.nodeLeaseSeconds,
    kubeletDir: o.kubeletDir,
    ingress: o.ingress,
    streamLimits: o.streamLimits,
    tls: { cert: servingPair.cert, key: servingPair.key, clientCA: ca, clientUsers: [KUBELET_CLIENT_USER] },
    restartBackoffMs: o.restartBackoffMs,
    log,
  });
  const useServing = async (pair: CertPair) => {
    await ni.storePair(pkiDir, ni.SERVING_FILE, pair);
    agent.setServingCertificate(pair.cert, pair.key);
  };
  const rotators: { stop(): void }[] = [];
  const clientRotator = new ni.CertificateRotator({
    what: 'client certificate',
    current: clientPair,
    renew: () => ni.requestClientCertificate(client, nodeName),
    use: async (pair) => {
      await ni.storePair(pkiDir, ni.CLIENT_FILE, pair);
      credentials.set(pair.cert, pair.key);
    },
    log,
  });
  clientRotator.start();
  rotators.push(clientRotator);
  let servingRotator: InstanceType<typeof ni.CertificateRotator> | undefined;
  const startServingRotation = (current: CertPair) => {
    const r = new ni.CertificateRotator({ what: 'serving certificate', current, renew: () => ni.requestServingCertificate(client, nodeName, nodeIP), use: useServing, log });
    r.start();
    rotators.push(r);
    servingRotator = r;
    // Issued by a CA that signs no more (the bundle changed while it was asked for): renewed at once.
    if (!ni.signedByFirst(ca, current.cert)) r.renewNow();
  };
  if (!temporary) startServingRotation(servingPair);
  else {
    // Asked for once the node is registered (the approver checks the names against the Node), retried until it comes.
    let stopped = false;
    rotators.push({ stop: () => (stopped = true) });
    void (async () => {
      while (!stopped) {
        try {
          const pair = await ni.requestServingCertificate(client, nodeName, nodeIP);
          if (stopped) return;
          await useServing(pair);
          log.info("serving with a certificate from the cluster's CA", { node: nodeName });
          return startServingRotation(pair);
        } catch (e) {
          log.warn('no serving certificate yet; asking again', { err: (e as Error).message });
          await new Promise((r) => setTimeout(r, 5000).unref());
        }
      }
    })();
  }
  // A new CA bundle: every client and the port's client CA take it; certificates the signing CA
  // (the bundle's first) did not issue are renewed now, before the old CA stops being trusted.
  const renewIfSignerChanged = () => {
    for (const r of [clientRotator, servingRotator]) if (r && !ni.signedByFirst(ca, r.current.cert)) r.renewNow();
  };
  onCa = (bundle) => {
    ca = bundle;
    trust.set(bundle);
    agent.setClientCA(bundle);
    renewIfSignerChanged();
  };
  renewIfSignerChanged();
  caRefresher.start();
  const refused = new Set(o.refusedBuilds ?? []);
  const imageBuild = (ref: string) => imageBuildPath({ images: createImageStore({ dataDir: o.dataDir, log: log.child({ part: 'upgrade-image' }) }), ref, dataDir: o.dataDir, log });
  const upgrade = up.watchUpgradeTarget({ client, nodeName, log, refused, imageBuild });
  const switchTo = await new Promise<{ path: string; version: string } | undefined>((resolve) => {
    const stop = async (why: Record<string, string>, target?: { path: string; version: string }) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      log.info(target ? 'stopping to switch to another build' : 'shutting down', why);
      upgrade.stop();
      await caRefresher.stop();
      for (const r of rotators) r.stop();
      discovery?.stop();
      await agent.stop().catch(logFailure(log, 'stopping the node agent'));
      client.close();
      resolve(target);
    };
    const onInt = () => void stop({ signal: 'SIGINT' });
    const onTerm = () => void stop({ signal: 'SIGTERM' });
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    void upgrade.target.then((t) => stop({ build: t.path, version: t.version }, t));
  });
  if (!switchTo) return;
  if ((await up.runBuild(switchTo, log)) === 'signalled') return;
  // The target could not run: this build again, never that target again; the data dir stamp it may have moved is accepted.
  process.env[up.SWITCHED_FROM_ENV] = switchTo.version;
  return runJoinedAgent({ ...o, refusedBuilds: [...refused, switchTo.path] });
}
