// `gifee server` and `gifee up`: PKI, kubeconfig, store, API server and controllers in one process,
// ready in well under a second on the embedded store, shut down cleanly on SIGINT/SIGTERM.

import { logger } from '../util/log.js';
import { join } from 'node:path';
import { UsageError } from './args.js';

export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  kubeconfig: string;
  mergeKubeconfig: boolean;
  store: 'sqlite' | 'etcd';
  etcdEndpoints: string[];
  controllers: boolean;
  compactionIntervalMs?: number;
  /** Extra names and addresses for the API server's certificate (--tls-san). */
  tlsSANs?: string[];
  /** Cluster pod CIDR the node IPAM controller carves /24s from (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** Service ClusterIP range (default 10.43.0.0/16) and node port range (default 30000-32767). */
  serviceCIDR?: string;
  serviceNodePortRange?: string;
  /** Run a node agent in this process (gifee up; gifee server unless --no-agent). */
  agent?: { nodeName?: string; nodeIP?: string; port: number; bridge?: string; runtime?: 'runc' | 'process'; clusterDNS?: string };
  /** Called once serving, with the server URL. */
  onReady?: (url: string) => void;
}

export async function runServer(cfg: ServerConfig): Promise<void> {
  const started = performance.now();
  const log = logger('gifee');
  const [{ ensurePki }, { buildKubeconfig, writeKubeconfig }, { openStore }, { startApiServer }] = await Promise.all([
    import('./pki.js'),
    import('./kubeconfig.js'),
    import('../store/index.js'),
    import('../apiserver/server.js'),
  ]);
  const { serviceRanges } = await import('../apiserver/services/index.js');
  try {
    serviceRanges({ serviceCIDR: cfg.serviceCIDR, nodePortRange: cfg.serviceNodePortRange });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // The server certificate covers this machine's addresses (workers join at them) and any --tls-san.
  const { networkInterfaces } = await import('node:os');
  const localIPs = Object.values(networkInterfaces()).flatMap((a) => a ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address);
  const pki = await ensurePki(cfg.dataDir, [cfg.bindAddress, ...localIPs, ...(cfg.tlsSANs ?? [])]);
  const { ensureNodeToken, nodeTokenAuthenticator } = await import('./join-token.js');
  const nodeToken = await ensureNodeToken(cfg.dataDir, pki.ca.cert);
  const store = await openStore({ backend: cfg.store, dataDir: cfg.dataDir, etcdEndpoints: cfg.etcdEndpoints, log: log.child({ component: 'store' }) }).catch((e: Error) => {
    throw new UsageError(`cannot open the ${cfg.store} store: ${e.message}`);
  });
  let api;
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
      advertiseAddress: cfg.bindAddress !== '0.0.0.0' && cfg.bindAddress !== '::' ? cfg.bindAddress : cfg.agent?.nodeIP,
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

  // The controller manager, scheduler and embedded agent use the same (admin) identity, so they share
  // one client and one informer factory: one list + watch per resource in this process, not one per
  // controller.
  const [{ RestClient }, { InformerFactory }] = await Promise.all([import('../client/rest.js'), import('../client/informer-factory.js')]);
  const sharedClient = new RestClient({ server: serverUrl, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, userAgent: 'gifee-server' });
  const informers = new InformerFactory(sharedClient, logger('informers'));
  const closeShared = () => {
    informers.stop();
    sharedClient.close();
  };
  let stopControllers = async () => {};
  if (cfg.controllers) {
    const { startControllerManager } = await import('../controllers/manager.js');
    const cm = await startControllerManager({ server: serverUrl, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, log: logger('controller-manager'), clusterCIDR: cfg.clusterCIDR, informers });
    stopControllers = () => cm.stop();
    const { startElectedScheduler } = await import('../scheduler/elected.js');
    const scheduler = await startElectedScheduler({ server: serverUrl, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, log: logger('scheduler'), informers });
    stopControllers = () => Promise.all([cm.stop(), scheduler.stop()]).then(() => {});
  }
  let stopAgent = async () => {};
  if (cfg.agent) {
    const { startEmbeddedAgent } = await import('./agent.js');
    const agent = await startEmbeddedAgent({ dataDir: cfg.dataDir, serverUrl, pki, clusterCIDR: cfg.clusterCIDR ?? '10.42.0.0/16', serviceCIDR: cfg.serviceCIDR ?? '10.43.0.0/16', ...cfg.agent, informers }).catch(async (e: Error) => {
      await stopControllers().catch(() => undefined);
      closeShared();
      await api.close();
      await store.close();
      throw new UsageError(`the node agent could not start: ${e.message}`);
    });
    stopAgent = () => agent.stop();
  }
  log.info('gifee server ready', { url: serverUrl, store: cfg.store, dataDir: cfg.dataDir, kubeconfig: cfg.kubeconfig, startupMs: Math.round(performance.now() - started), pid: process.pid });
  cfg.onReady?.(serverUrl);
  log.info('workers join with: gifee agent --server URL --token-file ' + join(cfg.dataDir, 'node-token'), { tokenFile: join(cfg.dataDir, 'node-token') });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal });
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      await stopAgent().catch((e) => log.warn('stopping the node agent failed', { err: e }));
      await stopControllers().catch((e) => log.warn('stopping controllers failed', { err: e }));
      closeShared();
      await api.close();
      await store.close();
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
