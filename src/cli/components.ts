// The component processes (`gifee __components`, started by `gifee server`/`gifee up` through
// supervisor.ts, never by hand): one runs the controller manager and the scheduler, each under its
// own leader election; another the embedded node agent. Each talks to the API server as any client
// does, and exits when its parent asks or goes away, so it never outlives the server.

import { logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import type { FromChild, ToChild } from './supervisor.js';
import { UsageError } from './args.js';
import type { EmbeddedAgentOptions } from './agent.js';
import type { Tunables } from './tunables.js';
import { ignoreError } from '../util/best-effort.js';

export interface ComponentsConfig {
  server: string;
  /** The cluster CA certificate (never its key). */
  ca: string;
  /** Each component's own client certificate (system:kube-controller-manager, system:kube-scheduler). */
  controllerManager: { cert: string; key: string };
  scheduler: { cert: string; key: string };
  /** Each controller's own credentials, by service account name (--use-service-account-credentials); absent ones write as the manager. */
  controllers?: Record<string, { cert: string; key: string }>;
  clusterCIDR?: string;
  /** --lb-ip-range: the load balancer address pool. */
  lbIPRange?: string;
  /** The service account signing key (PKCS#8 PEM), for legacy token Secrets. */
  serviceAccountSigningKey?: string;
  /** From the server's environment (tunables.ts): the child never reads it itself. */
  tunables?: Tunables;
  /** The cluster CA's certificate and key, for the CSR signer (kube-controller-manager's --cluster-signing-cert-file/--cluster-signing-key-file). */
  clusterSigningCert?: string;
  clusterSigningKey?: string;
  /** The HPA controller's --horizontal-pod-autoscaler-* flags (autoscaling-flags.ts). */
  hpa?: import('./autoscaling-flags.js').HpaSettings;
}

export interface Components {
  stop(): Promise<void>;
  /** The same role with renewed certificates (the server's leaf rotation): used from the next connections on. */
  update?(config: unknown): void;
}

/** What a component process runs. */
export type ComponentRole = { role: 'controllers'; config: ComponentsConfig } | { role: 'agent'; config: EmbeddedAgentOptions };

export async function startRole(r: ComponentRole): Promise<Components> {
  if (r.role === 'agent') {
    const agent = await (await import('./agent.js')).startEmbeddedAgent(r.config);
    return { stop: () => agent.stop(), update: (c) => agent.update(c as EmbeddedAgentOptions) };
  }
  return startComponents(r.config);
}

/** Starts the controller manager and the scheduler (in this process); shared by both process models. */
export async function startComponents(c: ComponentsConfig): Promise<Components> {
  const [{ startControllerManager }, { startElectedScheduler }, { RestClient }, { InformerFactory }] = await Promise.all([import('../controllers/manager.js'), import('../scheduler/elected.js'), import('../client/rest.js'), import('../client/informer-factory.js')]);
  // One client and one informer factory per identity: components that share an identity share one
  // list + watch per resource; components with identities of their own must not read through
  // another's (its caches would hold what only the other may see).
  // Each identity's certificate can be renewed while it runs (update below): every client made for it
  // shares its RotatingCredentials, and picks up a new pair for its next connections.
  const { RotatingCredentials } = await import('../client/rotating-credentials.js');
  const rotating = new Map<string, import('../client/rotating-credentials.js').RotatingCredentials>();
  const credentialsOf = (cert: { cert: string; key: string }) => {
    let r = rotating.get(cert.cert);
    if (!r) rotating.set(cert.cert, (r = new RotatingCredentials(cert.cert, cert.key)));
    return r;
  };
  const factories = new Map<string, { informers: import('../client/informer-factory.js').InformerFactory; close(): void }>();
  const factoryFor = (cert: { cert: string; key: string }, userAgent: string) => {
    let f = factories.get(cert.cert);
    if (!f) {
      const client = new RestClient({ server: c.server, ca: c.ca, ...cert, rotating: credentialsOf(cert), userAgent });
      const informers = new InformerFactory(client, logger('informers'));
      f = {
        informers,
        close: () => {
          informers.stop();
          client.close();
        },
      };
      factories.set(cert.cert, f);
    }
    return f.informers;
  };
  // One client per controller identity, made when its controller starts.
  const controllerClients = new Map<string, import('../client/rest.js').RestClient>();
  const clientFor = (serviceAccount: string) => {
    const creds = c.controllers?.[serviceAccount];
    if (!creds) return undefined;
    let client = controllerClients.get(serviceAccount);
    if (!client) controllerClients.set(serviceAccount, (client = new RestClient({ server: c.server, ca: c.ca, ...creds, rotating: credentialsOf(creds), userAgent: `gifee-controller-manager/${serviceAccount}` })));
    return client;
  };
  const close = () => {
    for (const f of factories.values()) f.close();
    for (const client of controllerClients.values()) client.close();
  };
  const cmInformers = factoryFor(c.controllerManager, 'gifee-controller-manager');
  const schedulerInformers = factoryFor(c.scheduler, 'gifee-scheduler');
  const cm = await startControllerManager({
    server: c.server,
    ca: c.ca,
    ...c.controllerManager,
    log: logger('controller-manager'),
    clusterCIDR: c.clusterCIDR,
    lbIPRange: c.lbIPRange,
    informers: cmInformers,
    controllerClients: clientFor,
    serviceAccountSigningKey: c.serviceAccountSigningKey,
    timings: c.tunables,
    hpa: c.hpa,
    clusterSigning: c.clusterSigningCert && c.clusterSigningKey ? { cert: c.clusterSigningCert, key: c.clusterSigningKey } : undefined,
  }).catch((e) => {
    close();
    throw e;
  });
  const scheduler = await startElectedScheduler({ server: c.server, ca: c.ca, ...c.scheduler, rotating: credentialsOf(c.scheduler), log: logger('scheduler'), informers: schedulerInformers, volumeBindTimeoutMs: c.tunables?.volumeBindTimeoutMs }).catch(async (e) => {
    await cm.stop();
    close();
    throw e;
  });
  // Credentials are matched to identities by the certificates they were started with.
  const started = { controllerManager: c.controllerManager.cert, scheduler: c.scheduler.cert, controllers: Object.fromEntries(Object.entries(c.controllers ?? {}).map(([name, p]) => [name, p.cert])) };
  const renew = (first: string | undefined, pair: { cert: string; key: string } | undefined) => {
    const r = first === undefined ? undefined : rotating.get(first);
    if (r && pair && r.current.cert !== pair.cert) r.set(pair.cert, pair.key);
  };
  return {
    stop: () => Promise.all([cm.stop(), scheduler.stop()]).then(close),
    update: (config) => {
      const n = config as ComponentsConfig;
      renew(started.controllerManager, n.controllerManager);
      renew(started.scheduler, n.scheduler);
      for (const [name, pair] of Object.entries(n.controllers ?? {})) renew(started.controllers[name], pair);
    },
  };
}

export async function runComponentsChild(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new UsageError('gifee __components is started by gifee server, not by hand');
  const log = logger('components');
  let components: Components | undefined;
  let starting: Promise<unknown> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Bounded: a component that hangs while stopping must not keep a dead server's child alive.
      setTimeout(() => process.exit(1), 5000).unref();
      // Asked to stop while starting (the server's start-up unwinding): let the start finish, then
      // stop what it started (an agent's bridge and nftables table are removed by its stop()).
      await starting?.catch(ignoreError('a failed start is reported by the start itself'));
      await components?.stop().catch((e) => log.warn('stopping components failed', { err: e }));
      process.exit(0);
    })();
    return stopping;
  };
  process.on('message', (m: ToChild) => {
    if (m.type === 'start' && !components) {
      starting = startRole(m.config as ComponentRole).then(
        (c) => {
          components = c;
          send({ type: 'ready' } satisfies FromChild);
        },
        (e: Error) => {
          send({ type: 'failed', error: e.message } satisfies FromChild, () => process.exit(1));
        },
      );
    } else if (m.type === 'update') {
      // Renewed certificates; if still starting, applied once started.
      const role = m.config as ComponentRole;
      void starting?.then(() => components?.update?.(role.config));
    } else if (m.type === 'metrics') send({ type: 'metrics', id: m.id, families: metrics.families() } satisfies FromChild);
    else if (m.type === 'stop') void stop();
  });
  // The server is gone (killed, crashed): stop too rather than run controllers for nobody.
  process.on('disconnect', () => void stop());
  // Ctrl-C reaches the whole process group: the server decides when this process stops (after it
  // stopped its agent), so SIGINT is its to act on; a SIGTERM sent to this process alone stops it.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void stop());
  await new Promise(() => {});
}
