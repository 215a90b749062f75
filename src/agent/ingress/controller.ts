// The ingress controller in each node agent: its HTTP and HTTPS ports answer at once (404 until
// routes exist); once the agent has the controller's own identity (a token for
// kube-system/gifee-ingress bound to this Node, retried in the background), it watches Ingresses,
// IngressClasses, Services, EndpointSlices and Secrets, and after each burst of changes (debounced)
// compiles a new routing table, upstream index and certificate set, swapped in whole: a request
// sees one consistent version.

import { createSecureContext } from 'node:tls';
import { EventRecorder } from '../../client/events.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { ResourceRef, RestClient } from '../../client/rest.js';
import { R } from '../../client/resources.js';
import type { KObject } from '../../api/kind.js';
import { INGRESS_CONTROLLER_SERVICE_ACCOUNT } from '../../api/auth/ingress-controller.js';
import { startSidecarIdentity, type SidecarIdentity } from '../../storage/sidecar-identity.js';
import type { Logger } from '../../util/log.js';
import { compileRoutes } from './routing.js';
import { UpstreamIndex } from './upstreams.js';
import { CertificateStore, selfSignedCertificate, type SecretLike } from './tls.js';
import { type IngressProxy, type ProxyLimits, type ProxyState, startIngressProxy } from './proxy.js';

const INGRESSES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses' };
const INGRESS_CLASSES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses' };

const RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

export interface IngressControllerOptions {
  nodeClient: RestClient;
  server: string;
  ca: string;
  nodeName: string;
  /** Listen address (default all). */
  bindAddress?: string;
  /** Ports; undefined: that listener is off. 0 picks a free one. */
  httpPort?: number;
  httpsPort?: number;
  limits?: Partial<ProxyLimits>;
  /** Quiet time after a change before the table is rebuilt (default 20 ms). */
  debounceMs?: number;
  log: Logger;
}

export interface IngressController {
  httpPort?: number;
  httpsPort?: number;
  stop(): Promise<void>;
}

export async function startIngressController(o: IngressControllerOptions): Promise<IngressController> {
  const log = o.log;
  const defaultCert = await selfSignedCertificate();
  const certs = new CertificateStore(createSecureContext(defaultCert));
  let state: ProxyState = { table: compileRoutes([], []), upstreams: UpstreamIndex.build([], [], []) };
  const proxy: IngressProxy = await startIngressProxy({
    host: o.bindAddress ?? '0.0.0.0',
    httpPort: o.httpPort,
    httpsPort: o.httpsPort,
    state: () => state,
    contextFor: (name) => certs.contextFor(name),
    defaultCert,
    limits: o.limits,
    accessLog: log.child({ part: 'ingress-access' }),
    log,
  });
  log.info('ingress controller listening', { http: proxy.httpPort, https: proxy.httpsPort });

  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MS;
  let running: { identity: SidecarIdentity; informers: InformerFactory; recorder: EventRecorder; timer?: NodeJS.Timeout } | undefined;

  const watch = (identity: SidecarIdentity) => {
    const informers = new InformerFactory(identity.client, log.child({ part: 'informers' }));
    const recorder = new EventRecorder(identity.client, 'gifee-ingress', log.child({ part: 'events' }), o.nodeName);
    const r: NonNullable<typeof running> = { identity, informers, recorder };
    running = r;
    const scope = informers.scope('ingress-controller');
    const ingresses = scope.informer(INGRESSES);
    const classes = scope.informer(INGRESS_CLASSES);
    const services = scope.informer(R.services);
    const slices = scope.informer(R.endpointslices);
    const secrets = scope.informer(R.secrets);
    const rebuild = () => {
      r.timer = undefined;
      if (stopped) return;
      try {
        const ings = ingresses.list();
        const table = compileRoutes(ings as never, classes.list() as never);
        const upstreams = UpstreamIndex.build(table.backends, services.list() as never, slices.list() as never);
        const problems = certs.update(table, (ns, name) => secrets.get(`${ns}/${name}`) as SecretLike | undefined);
        state = { table, upstreams };
        for (const p of problems) {
          const [ns, name] = p.tls.ingress.split('/');
          const ing = ings.find((i) => i.metadata?.namespace === ns && i.metadata?.name === name);
          const message = `host ${p.tls.host} is served with the default certificate: ${p.message}`;
          log.warn('ingress TLS certificate not usable', { ingress: p.tls.ingress, host: p.tls.host, secret: `${p.tls.namespace}/${p.tls.secret}`, problem: p.message });
          if (ing) recorder.record(ing as KObject, 'Warning', 'InvalidCertificate', message);
        }
        log.debug('ingress routes compiled', { hosts: table.exactHosts.size + table.wildcardHosts.size, backends: table.backends.length, tlsHosts: certs.servedHosts().length });
      } catch (e) {
        log.error('compiling ingress routes failed; the previous table stays', { err: e });
      }
    };
    const schedule = () => {
      if (!r.timer && !stopped) r.timer = setTimeout(rebuild, o.debounceMs ?? 20);
    };
    const onChange = { onAdd: schedule, onUpdate: schedule, onDelete: schedule };
    for (const i of [ingresses, classes, services, slices, secrets]) i.addHandlers(onChange);
    scope.start();
    void Promise.all([ingresses, classes, services, slices, secrets].map((i) => i.waitForSync())).then(() => {
      log.info('ingress controller synced');
      schedule();
    });
  };

  const attempt = async () => {
    try {
      const identity = await startSidecarIdentity({ nodeClient: o.nodeClient, server: o.server, ca: o.ca, nodeName: o.nodeName, log, account: INGRESS_CONTROLLER_SERVICE_ACCOUNT, purpose: 'ingress controller' });
      if (stopped) return identity.stop();
      watch(identity);
    } catch (e) {
      if (stopped) return;
      log.warn('the ingress controller has no identity yet (TokenRequest for kube-system/gifee-ingress failed); retrying', { err: e, retryInMs: retryMs });
      retryTimer = setTimeout(() => void attempt(), retryMs);
      retryTimer.unref();
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  void attempt();

  return {
    httpPort: proxy.httpPort,
    httpsPort: proxy.httpsPort,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await proxy.close();
      if (!running) return;
      clearTimeout(running.timer);
      await running.recorder.close();
      running.informers.stop();
      running.identity.stop();
    },
  };
}
