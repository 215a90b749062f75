// `gifee server` and `gifee up`: PKI, kubeconfig, store, API server and controllers in one process,
// ready in well under a second on the embedded store, shut down cleanly on SIGINT/SIGTERM.

import { logger } from '../util/log.js';
import { join } from 'node:path';
import { UsageError } from './args.js';
import type { NodeProtection } from './node-protection-flags.js';
import { armForcedExit, bounded } from './forced-exit.js';

/** From a stop signal to exit, at most: past it the process is killed (see forced-exit.ts). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  kubeconfig: string;
  mergeKubeconfig: boolean;
  store: 'sqlite' | 'etcd';
  etcdEndpoints: string[];
  controllers: boolean;
  /** Run the controllers and scheduler in this process instead of a supervised child (GIFEE_IN_PROCESS_COMPONENTS=1). */
  inProcessComponents?: boolean;
  compactionIntervalMs?: number;
  /** Extra names and addresses for the API server's certificate (--tls-san). */
  tlsSANs?: string[];
  /** Cluster pod CIDR the node IPAM controller carves /24s from (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** Service ClusterIP range (default 10.43.0.0/16) and node port range (default 30000-32767). */
  serviceCIDR?: string;
  serviceNodePortRange?: string;
  /** Run a node agent in this process (gifee up; gifee server unless --no-agent). */
  agent?: { nodeName?: string; nodeIP?: string; port: number; bridge?: string; runtime?: 'runc' | 'process'; clusterDNS?: string } & NodeProtection;
  /** The API server's timeouts and caps on clients (flags in limit-flags.ts). */
  limits?: Partial<import('../apiserver/limits/options.js').ApiServerLimits>;
  /** Called once serving, with the server URL. */
  onReady?: (url: string) => void;
}

/** Runs until SIGINT/SIGTERM, then shuts down and exits the process. */
export async function runServer(cfg: ServerConfig): Promise<void> {
  const started = performance.now();
  const log = logger('gifee');
  // The control plane (and the embedded agent) outlive any pod in an OOM, as the kubelet does.
  const { protectFromOomKiller } = await import('../agent/node/oom-protect.js');
  await protectFromOomKiller(log);
  const [{ ensurePki }, { buildKubeconfig, writeKubeconfig }, { openStore }, { startApiServer }] = await Promise.all([import('./pki.js'), import('./kubeconfig.js'), import('../store/index.js'), import('../apiserver/server.js')]);
  const { serviceRanges } = await import('../apiserver/services/index.js');
  try {
    serviceRanges({ serviceCIDR: cfg.serviceCIDR, nodePortRange: cfg.serviceNodePortRange });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Before anything is written: the data dir 0700 and what it already holds 0600.
  const { secureDataDir, secureSecretFiles } = await import('./data-dir-perms.js');
  await secureDataDir(cfg.dataDir, log);
  // The server certificate covers this machine's addresses (workers join at them) and any --tls-san.
  const { machineIPv4Addresses } = await import('./machine-addresses.js');
  const localIPs = machineIPv4Addresses();
  const pki = await ensurePki(cfg.dataDir, [cfg.bindAddress, ...localIPs, ...(cfg.tlsSANs ?? [])]);
  const { ensureNodeToken, nodeTokenAuthenticator } = await import('./join-token.js');
  const nodeToken = await ensureNodeToken(cfg.dataDir, pki.ca.cert);
  const store = await openStore({ backend: cfg.store, dataDir: cfg.dataDir, etcdEndpoints: cfg.etcdEndpoints, log: log.child({ component: 'store' }) }).catch((e: Error) => {
    throw new UsageError(`cannot open the ${cfg.store} store: ${e.message}`);
  });
  // SQLite created state.db (and -wal/-shm) with the umask's mode: restrict them too.
  await secureSecretFiles(cfg.dataDir, log);
  let api: import('../apiserver/server.js').ApiServer;
  // Component processes this server supervises (controllers and scheduler; the node agent), by name.
  const children = new Map<string, import('./supervisor.js').Supervisor>();
  const supervised = async (name: string, role: import('./components.js').ComponentRole) => {
    const { Supervisor } = await import('./supervisor.js');
    const child = new Supervisor({ name, command: '__components', config: role, log });
    await child.start();
    children.set(name, child);
    return child;
  };
  try {
    api = await startApiServer({
      store,
      host: cfg.bindAddress,
      port: cfg.port,
      tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert },
      log: logger('apiserver'),
      compactionIntervalMs: cfg.compactionIntervalMs,
      // The API server reaches node agents (logs, exec, port-forward) with the cluster-admin identity.
      kubeletClient: { cert: pki.admin.cert, key: pki.admin.key },
      // Worker agents join with the node token (`gifee agent --token`).
      authenticators: [nodeTokenAuthenticator(nodeToken.secret)],
      serviceCIDR: cfg.serviceCIDR,
      serviceNodePortRange: cfg.serviceNodePortRange,
      // The kubernetes Service's endpoint: the bind address, else this machine's node IP, else loopback.
      componentMetrics: () => Promise.all([...children].map(async ([name, child]) => ({ process: name, families: await child.families() }))),
      advertiseAddress: cfg.bindAddress !== '0.0.0.0' && cfg.bindAddress !== '::' ? cfg.bindAddress : cfg.agent?.nodeIP,
      limits: cfg.limits,
    });
  } catch (e) {
    await store.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${cfg.port} is in use: stop the other server or pass --port`);
    if ((e as NodeJS.ErrnoException).code === 'EACCES') throw new UsageError(`no permission to listen on port ${cfg.port}: run as root or pass a --port above 1024`);
    throw e;
  }
  const host = cfg.bindAddress === '0.0.0.0' || cfg.bindAddress === '::' ? '127.0.0.1' : cfg.bindAddress;
  const serverUrl = `https://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
  await writeKubeconfig(cfg.kubeconfig, buildKubeconfig({ name: 'gifee', server: serverUrl, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key }), { merge: cfg.mergeKubeconfig });

  let stopControllers = async () => {};
  if (cfg.controllers) {
    // A bad --cluster-cidr is a usage error now, not a failure inside the component process later.
    try {
      const { CidrSet } = await import('../controllers/nodeipam/cidr-set.js');
      new CidrSet(cfg.clusterCIDR ?? '10.42.0.0/16', 24);
    } catch (e) {
      await api.close();
      await store.close();
      throw new UsageError(`--cluster-cidr: ${(e as Error).message}`);
    }
    const components = { server: serverUrl, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, clusterCIDR: cfg.clusterCIDR };
    try {
      if (cfg.inProcessComponents) {
        const running = await (await import('./components.js')).startComponents(components);
        stopControllers = () => running.stop();
      } else {
        // Controllers and scheduler in a supervised process of their own (see supervisor.ts).
        const child = await supervised('controller-manager', { role: 'controllers', config: components });
        stopControllers = () => child.stop(3500);
      }
    } catch (e) {
      await api.close();
      await store.close();
      throw new UsageError(`the controllers could not start: ${(e as Error).message}`);
    }
  }
  let stopAgent = async () => {};
  if (cfg.agent) {
    const agentOptions = { dataDir: cfg.dataDir, serverUrl, pki, clusterCIDR: cfg.clusterCIDR ?? '10.42.0.0/16', serviceCIDR: cfg.serviceCIDR ?? '10.43.0.0/16', ...cfg.agent };
    // The node agent too gets a process of its own: pod work never stalls the API, nor the reverse.
    const startAgent = cfg.inProcessComponents
      ? async () => (await import('./agent.js')).startEmbeddedAgent(agentOptions)
      : async () => {
          const child = await supervised('agent', { role: 'agent', config: agentOptions });
          return { stop: () => child.stop(3500) };
        };
    const agent = await startAgent().catch(async (e: Error) => {
      await stopControllers().catch(() => undefined);
      await api.close();
      await store.close();
      throw new UsageError(`the node agent could not start: ${e.message}`);
    });
    stopAgent = () => agent.stop();
  }
  log.info('gifee server ready', { url: serverUrl, store: cfg.store, dataDir: cfg.dataDir, kubeconfig: cfg.kubeconfig, startupMs: Math.round(performance.now() - started), pid: process.pid });
  cfg.onReady?.(serverUrl);
  log.info('workers join with: gifee agent --server URL --token-file ' + join(cfg.dataDir, 'node-token'), { tokenFile: join(cfg.dataDir, 'node-token') });

  await new Promise<void>(() => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      const began = performance.now();
      log.info('shutting down', { signal });
      // Independent of this thread's event loop: fires even if a step below blocks it.
      armForcedExit(SHUTDOWN_TIMEOUT_MS);
      const warn = (msg: string, fields: Record<string, unknown>) => log.warn(msg, fields);
      // In-process clients first, while the API server still answers them (leaders release their
      // leases, so standbys take over at once), then the API server (listener, watches, connections),
      // then the store. Each step is bounded so one slow part cannot eat the others' time.
      await Promise.all([bounded('node agent', 4000, () => stopAgent(), warn), bounded('controllers and scheduler', 4000, () => stopControllers(), warn)]);
      await bounded('API server', 2500, () => api.close(), warn);
      await bounded('store', 2000, () => store.close(), warn);
      log.info('shut down', { signal, ms: Math.round(performance.now() - began) });
      // Done: a client's leftover retry timer must not keep the process around until the watchdog.
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
