// The API server: HTTPS with client-certificate authentication, health and metrics endpoints,
// discovery and OpenAPI, and the resource API routed to its handlers. Stateless over the Store,
// so several can run against one etcd.

import { installImmortalNamespaces } from './admission/immortal-namespaces.js';
import { notePretty } from './pretty.js';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Store } from '../store/types.js';
import { KindRegistry } from '../api/registry.js';
import { builtinKinds } from '../api/kinds/index.js';
import { openapiV2, openapiV3Doc, openapiV3Index } from '../api/openapi.js';
import { logger, type Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { meteredStore, StorageObjectCounts } from './storage/storage-metrics.js';
import { plainLabels, recordRequest, reportInflight, requestLabels } from './request-metrics.js';
import { mergeFamilies, renderFamilies, type MetricFamily } from '../util/metrics-merge.js';
import { ApiState } from './context.js';
import { ApiError, badRequest } from '../api/errors.js';
import { parseRequestInfo } from './request-info.js';
import { routeResource } from './router.js';
import { authenticate, clientCertAuthenticator, type Authenticator, type TokenAuthenticator } from './authn.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, visibleGroups } from './discovery.js';
import { parseAccept, sendError, sendJson, sendText } from './respond.js';
import { versionInfo } from '../api/version.js';
import { encodeOpenApiV2 } from './protobuf/openapi-v2.js';
import { bootstrapObjects } from './bootstrap.js';
import { startCompaction } from './compaction.js';
import { podStreamUpgrades } from './pod-streams/index.js';
import { setKubeletClient } from './pod-streams/kubelet-client.js';
import { installServiceAllocation } from './services/index.js';
import { ensureSystemPriorityClasses, installPodPriority } from './pod-priority.js';
import { installComponentStatuses } from './component-statuses.js';
import { defaultAdvertiseAddress, ensureKubernetesService } from './services/kubernetes-service.js';
import { EndpointLeaseReconciler, type EndpointLeaseOptions } from './services/apiserver-leases/reconciler.js';
import { requestStartTimes } from './request-timing.js';
import { BadTarget, parseRequestTarget, preview } from '../util/http/request-target.js';
import { cutSilentConnections, readTimeoutOptions } from '../util/http/server-timeouts.js';
import { limitConnections } from '../util/http/connection-limits.js';
import { resolveApiLimits, type ApiServerLimits } from './limits/options.js';
import { InflightLimiter, tooManyRequests } from './limits/inflight.js';
import { isLongRunning, isMutating } from './limits/long-running.js';
import { armDeadline, requestDeadlineMs } from './limits/deadline.js';
import { lastResort } from './last-resort.js';
import type { Authorizer } from './authz/types.js';
import { attributesOf } from './authz/attributes.js';
import { authorizeOrThrow } from './authz/chain.js';
import { Auditor, noAudit, type AuditOptions, type RequestAudit } from './audit/recorder.js';
import { installCertificates } from './certificates/index.js';
import { bootstrapTokenAuthenticator } from './bootstrap-token-authn.js';
import { PRIVILEGED_DEFAULTS, type PodSecurityConfig } from './admission/pod-security/config.js';
import { installPodSecurity } from './admission/pod-security/plugin.js';
import { installServedKindsAdmission } from './admission/served-kinds.js';
import { installQuotaAdmission } from './admission/quota-install.js';
import { installWebhookAdmission } from './webhooks/install.js';
import { installValidatingAdmissionPolicy } from './admission/policy/plugin.js';
import { ensureDefaultServiceAccounts, installServiceAccounts, serveIssuerDiscovery, type ServiceAccountOptions } from './serviceaccounts/index.js';
import type { ServiceAccountTokens } from './serviceaccounts/options.js';
import { impersonate } from './authn/impersonation.js';
import { installServedSubresources } from './served-subresources.js';
import { installFlowcontrolBootstrap } from './flowcontrol/bootstrap.js';
import { installStorageBootstrap } from './storage-bootstrap.js';
import { installIngressBootstrap } from './ingress-bootstrap.js';
import { clientCertAuthenticatorFor, requestHeaderAuthenticator, REQUEST_HEADER_DEFAULTS, type RequestHeaderOptions } from './authn/requestheader.js';
import { Aggregator } from './aggregator/index.js';
import type { V2Doc } from './aggregator/openapi.js';
import { defaultLocalPriority, extensionGroupDoc, extensionGroups, type LocalPriority, localGroupExtensions, mergeAggregated, mergeGroupList, mergeLocalAggregated, mergeLocalGroupDoc, mergeLocalGroupList } from './aggregator/discovery-merge.js';
import { extensionAuthData, publishExtensionAuth } from './aggregator/extension-auth-configmap.js';
import { installCrds } from './crd/controller.js';
import { installMetricsApi, type MetricsApiOptions } from './metrics-api/index.js';

export interface ApiServerOptions {
  store: Store;
  host?: string;
  port: number;
  tls: { cert: string; key: string; clientCA: string };
  log?: Logger;
  /** Extra authenticators tried after client certificates. */
  authenticators?: Authenticator[];
  /**
   * POST /gifee/v1/server-join: a joining control-plane server asks for the cluster's keys and an
   * etcd membership (cli/etcd/join-handler.ts). It carries its own credential (the server token), so
   * it is answered before Kubernetes authentication; absent: the path is an ordinary 404.
   */
  serverJoin?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Bearer token authenticators (also asked by TokenReview); more are added to ApiState.tokenAuthenticators by built-in features. */
  tokenAuthenticators?: TokenAuthenticator[];
  registry?: KindRegistry;
  /** How often to compact store history (default 5 minutes; 0 disables). */
  compactionIntervalMs?: number;
  /** Client certificate presented to node agents for logs/exec/attach/port-forward, and the CA their serving certificates must chain to (default: none; see pod-streams/kubelet-client.ts). */
  kubeletClient?: { cert: string; key: string; ca?: string };
  /** ClusterIPs come from here (default 10.43.0.0/16; the kubernetes Service gets the first address). */
  serviceCIDR?: string;
  /** Node ports of NodePort and LoadBalancer Services (default 30000-32767). */
  serviceNodePortRange?: string;
  /** The address the kubernetes Service's endpoints list (default: host, or the first non-loopback IPv4 when listening on all addresses). */
  advertiseAddress?: string;
  /** This server's lease behind the kubernetes Service's endpoints (services/apiserver-leases/; default 15 s, renewed every 10 s). */
  endpointLeases?: EndpointLeaseOptions;
  /** Metrics of component processes this server supervises, shown on its /metrics page. */
  componentMetrics?: () => Promise<{ process: string; families: MetricFamily[] }[]>;
  /** Timeouts, connection caps and in-flight caps (see limits/options.ts for the defaults). */
  limits?: Partial<ApiServerLimits>;
  /** How often watches get a bookmark (default 30 s) and how long a read at a future resourceVersion waits for it (default 3 s). */
  timings?: Partial<ApiState['timings']>;
  /** The audit log (audit/): policy and log file; none without. */
  audit?: AuditOptions;
  /** Pod Security Admission's defaults and exemptions (default: Kubernetes', all privileged; namespace labels still apply). */
  podSecurity?: PodSecurityConfig;
  /** Service account tokens: signing key, issuer, audiences (default: none issued; see serviceaccounts/). */
  serviceAccounts?: ServiceAccountOptions;
  /** Decides each request (default: allow all; see authz/); a function gets the server's state (RBAC reads the store through it). */
  authorizer?: Authorizer | ((state: ApiState) => Authorizer);
  /** Requests without credentials are user system:anonymous in group system:unauthenticated (default true, as Kubernetes); false: 401. */
  anonymousAuth?: boolean;
  /** API aggregation (aggregator/): front proxies this server trusts (--requestheader-*), the client certificate it proxies with (--proxy-client-cert-file), how often APIServices are checked. */
  aggregation?: { requestHeader?: RequestHeaderOptions; proxyClient?: { cert: string; key: string }; checkIntervalMs?: number };
  /** Create the built-in driver's CSIDriver and the default StorageClass `local` when missing (storage-bootstrap.ts; default false: `gifee server` turns it on). */
  defaultStorage?: boolean;
  /** Create the IngressClass `gifee` (default class) the agents' ingress controllers serve, when missing (ingress-bootstrap.ts; default false: `gifee server` turns it on). */
  defaultIngressClass?: boolean;
  /** metrics.k8s.io (metrics-api/): how often nodes are scraped (default 15 s). */
  metricsApi?: MetricsApiOptions;
}

export interface ApiServer {
  url: string;
  port: number;
  state: ApiState;
  /** Serve a renewed certificate from the next handshake on; connections already made keep theirs (certificate rotation). */
  setServingCertificate(cert: string, key: string): void;
  /** Present a renewed kubelet-client certificate to node agents from the next connection on. */
  setKubeletClientCertificate(cert: string, key: string): void;
  close(): Promise<void>;
}

/** Health and public-info paths: exempt from the in-flight caps and the request deadline (who may read them is RBAC's call). */
// /cacerts: the cluster CA, for joining agents, which check it against the hash in their join token.
const PUBLIC = new Set(['/livez', '/readyz', '/healthz', '/version', '/cacerts']);

/** Where joining servers ask for the cluster's keys (see ApiServerOptions.serverJoin). */
export const SERVER_JOIN_PATH = '/gifee/v1/server-join';

/** Who a request without credentials is, as in Kubernetes. */
const ANONYMOUS = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = opts.log ?? logger('apiserver');
  const registry = opts.registry ?? new KindRegistry(builtinKinds);
  // Every store call the API machinery makes is timed (etcd_request_duration_seconds).
  const state = new ApiState(meteredStore(opts.store), registry, log);
  installServedSubresources(state);
  const storageObjects = new StorageObjectCounts(opts.store, () => registry.all());
  // Before any Service is read or written: Service storage allocates ClusterIPs and node ports.
  const serviceAllocation = installServiceAllocation(state, { serviceCIDR: opts.serviceCIDR, nodePortRange: opts.serviceNodePortRange });
  installPodPriority(state);
  installImmortalNamespaces(state);
  installFlowcontrolBootstrap(state);
  if (opts.defaultStorage) installStorageBootstrap(state);
  if (opts.defaultIngressClass) installIngressBootstrap(state);
  installComponentStatuses(state);
  const metricsApi = installMetricsApi(state, opts.metricsApi);
  installCertificates(state);
  installPodSecurity(state, opts.podSecurity ?? PRIVILEGED_DEFAULTS);
  installServedKindsAdmission(state);
  installQuotaAdmission(state);
  installWebhookAdmission(state);
  installValidatingAdmissionPolicy(state);
  // CustomResourceDefinitions: served from the store before /readyz says ok.
  const crdController = installCrds(state);
  Object.assign(state.timings, opts.timings);
  if (opts.authorizer) state.authorizer = typeof opts.authorizer === 'function' ? opts.authorizer(state) : opts.authorizer;
  const anonymousAuth = opts.anonymousAuth ?? true;
  state.tokenAuthenticators.push(...(opts.tokenAuthenticators ?? []));
  // Joining nodes' bootstrap tokens (kube-system Secrets), as --enable-bootstrap-token-auth.
  state.tokenAuthenticators.push(bootstrapTokenAuthenticator(state));
  const saTokens: ServiceAccountTokens | undefined = opts.serviceAccounts ? await installServiceAccounts(state, opts.serviceAccounts) : undefined;
  // With a requestheader CA the listener trusts two CAs: a front proxy's certificate authenticates
  // through the headers it sends, never as its own CN, and user certificates must be the cluster CA's.
  const requestHeader = opts.aggregation?.requestHeader;
  const certAuthenticators = requestHeader ? [requestHeaderAuthenticator(requestHeader), clientCertAuthenticatorFor(opts.tls.clientCA, clientCertAuthenticator)] : [clientCertAuthenticator];
  const authenticators = [...certAuthenticators, ...(opts.authenticators ?? [])];
  const aggregator = new Aggregator(state, {
    proxyClient: { ...opts.aggregation?.proxyClient, headers: requestHeader ?? REQUEST_HEADER_DEFAULTS },
    checkIntervalMs: opts.aggregation?.checkIntervalMs,
  });
  state.postStartHooks.push({ name: 'start-kube-aggregator-informers', run: () => aggregator.start() });
  state.postStartHooks.push({ name: 'extension-apiserver-authentication', run: () => publishExtensionAuth(state, extensionAuthData(opts.tls.clientCA, requestHeader)) });
  let ready = false;
  const limits = resolveApiLimits(opts.limits);
  const inflight = new InflightLimiter(limits);
  const stopInflightReport = reportInflight(() => inflight.counts);
  // Labels name only what is served (built in, a CRD, or an extension API server's group/version).
  const servedResource = (group: string, version: string, resource: string) => !!registry.byResource(group, version, resource) || !!aggregator.serviceFor(`/apis/${group}/${version}`);
  const auditor = opts.audit ? new Auditor(opts.audit, log.child({ audit: opts.audit.path }), registry) : undefined;

  // Slow or silent clients are cut off by Node itself (header, body and idle timeouts); the body
  // timeout ends once a request is in, so it never cuts a watch or a followed log.
  const clientCAs = requestHeader ? [opts.tls.clientCA, requestHeader.clientCA] : opts.tls.clientCA;
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, ca: clientCAs, requestCert: true, rejectUnauthorized: false, ...readTimeoutOptions(limits) }, (req, res) => serve(req, res));
  const requestStart = requestStartTimes(server);
  // Every TCP connection, including ones still in their TLS handshake, which the HTTP layer does not
  // know yet and closeAllConnections() would leave open (and server.close() wait for).
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const refusals = rateLimitedRefusalLog(log);
  cutSilentConnections(server, limits.headerTimeoutMs);
  limitConnections(server, limits, (ip, why) => refusals.note(ip, why));
  // exec/attach/port-forward upgrades (WebSocket, SPDY) go through the same authentication and routing.
  const upgrades = podStreamUpgrades(state, opts.kubeletClient);
  const serveOnSocket = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      serve(req, upgrades.response(req, socket, head));
    } catch (e) {
      lastResort(log, req, undefined, e);
      socket.destroy();
    }
  };
  server.on('upgrade', serveOnSocket);
  // Node hands CONNECT requests to this event, and drops the connection when nobody listens: route
  // them like any request instead (they get 405 or 404 Status answers, as from Kubernetes).
  server.on('connect', serveOnSocket);

  /** Every request goes through here: whatever a handler throws or rejects with is answered, never left to crash the process. */
  function serve(req: IncomingMessage, res: ServerResponse) {
    const audit = auditor?.begin(req, res) ?? noAudit;
    handle(req, res, audit).catch((e) => {
      audit.panic(e);
      lastResort(log, req, res, e);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, audit: RequestAudit) {
    const start = requestStart(req);
    let labels = plainLabels(req.method);
    let release: (() => void) | undefined;
    let cancelDeadline = () => {};
    let url: URL | undefined;
    try {
      url = targetOf(req);
      notePretty(req, res, url.searchParams);
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      audit.requestInfo(info);
      labels = requestLabels(req, info, url.searchParams, servedResource);
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const isPublic = PUBLIC.has(path) || path.startsWith('/livez') || path.startsWith('/readyz');
      // Health checks and long-running requests (watch, logs, exec...) are exempt from the in-flight caps and the request timeout, as in Kubernetes.
      if (!isPublic && !isLongRunning(info)) {
        release = inflight.tryAcquire(isMutating(req.method));
        if (!release) throw tooManyRequests();
        // Freed when the handler settles, or when its answer is out or its connection gone (a handler
        // may still be waiting on a body that will never come: it must not hold a slot forever).
        res.once('close', release);
        const deadlineMs = requestDeadlineMs(url.searchParams, limits.requestTimeoutMs);
        cancelDeadline = armDeadline(req, res, deadlineMs, sendError, () => log.warn('request timed out', { method: req.method, path: preview(path), timeoutMs: deadlineMs }));
      }
      if (path === SERVER_JOIN_PATH && opts.serverJoin) return await opts.serverJoin(req, res);
      // Every request is authenticated and authorized, health checks included (anonymous ones reach
      // what system:public-info-viewer allows); a bad or unknown credential is a 401, never anonymous.
      const authn = await authenticate(req, authenticators, state.tokenAuthenticators);
      if (!authn.user && (authn.credentialsPresented || !anonymousAuth)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const original = authn.user ?? ANONYMOUS;
      audit.authenticated(original);
      // Impersonation headers (kubectl --as) switch the user, once each part is allowed.
      const user = await impersonate(req, original, state.authorizer);
      if (user !== original) audit.impersonated(user);
      await authorizeOrThrow(audit.authorizer(state.authorizer), attributesOf(req.method ?? 'GET', info, user, url.searchParams));
      // A group/version of an extension API server: proxied, after authentication and authorization here.
      const extension = aggregator.serviceFor(path);
      if (extension) return await aggregator.proxy(req, res, url, extension, user);
      if (info.kind === 'resource') return await routeResource(state, req, res, url, info, user);
      await serveOther(req, res, path);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code >= 500) log.error('request failed', { method: req.method, path: preview(url?.pathname ?? req.url ?? ''), err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      sendError(res, e);
    } finally {
      release?.();
      cancelDeadline();
      // Until the response is out (or the client gone), not until the handler returned.
      // Counted and timed once the response is out (or the client gone), not when the handler returned.
      const counted = labels;
      const record = () => recordRequest(counted, res.statusCode, counted.verb === 'WATCH' ? undefined : Number(process.hrtime.bigint() - start) / 1e9);
      if (res.closed) record();
      else res.once('close', record);
    }
  }

  // Built-in group/versions whose APIService names an extension server are that server's (discovery.ts visibleGroups).
  const claimed = () => aggregator.remoteGroupVersions();
  const localGroups = () => new Set(visibleGroups(registry, claimed()).map((g) => g.group));
  // Extension versions of built-in (or CRD) groups join them in discovery, ordered by versionPriority.
  const localExtensions = () => localGroupExtensions(aggregator.availableExtensions(), localGroups());
  const localPriority: LocalPriority = (g, v, i) => aggregator.localVersionPriority(g, v, defaultLocalPriority(g, v, i));

  async function serveOther(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path === '/livez' || path === '/healthz' || path.startsWith('/livez/')) return sendText(res, 200, 'ok');
    if (path === '/readyz' || path.startsWith('/readyz/')) return ready ? sendText(res, 200, 'ok') : sendText(res, 503, 'not ready: starting');
    if (path === '/version') return sendJson(res, 200, versionInfo());
    if (path === '/cacerts') return sendText(res, 200, opts.tls.clientCA);
    if (serveIssuerDiscovery(res, path, saTokens)) return;
    if (path === '/metrics') {
      await storageObjects.refreshIfStale();
      const children = (await opts.componentMetrics?.()) ?? [];
      const text = children.length ? renderFamilies(mergeFamilies(metrics.families(), children)) : metrics.render();
      return sendText(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
    }
    if (path === '/api' || path === '/apis') {
      const core = path === '/api';
      const agg = aggregatedVersion(req);
      const extensions = core ? new Map() : extensionGroups(aggregator.availableExtensions(), localGroups());
      const extraVersions = core ? new Map() : localExtensions();
      if (agg) {
        const doc = mergeLocalAggregated(aggregatedDiscovery(registry, core, `apidiscovery.k8s.io/${agg}`, claimed()), extraVersions, localPriority);
        return sendJson(res, 200, mergeAggregated(doc, extensions), `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`);
      }
      return sendJson(res, 200, core ? apiVersions() : mergeGroupList(mergeLocalGroupList(apiGroupList(registry, claimed()), extraVersions, localPriority), extensions));
    }
    const gv = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (gv) {
      if (gv[1]) return sendOrNotFound(res, apiResourceList(registry, '', gv[1]));
      if (gv[3]) return sendOrNotFound(res, apiResourceList(registry, gv[2], gv[3]));
      return sendOrNotFound(res, mergeLocalGroupDoc(apiGroup(registry, gv[2], claimed()), localExtensions(), localPriority) ?? extensionGroupDoc(gv[2], extensionGroups(aggregator.availableExtensions(), localGroups())));
    }
    if (path === '/openapi/v2') {
      // kubectl up to 1.28 asks for gnostic's protobuf encoding only; others get JSON.
      const first = parseAccept(req.headers.accept)[0];
      const doc = await aggregator.openapiV2(openapiV2(registry) as V2Doc);
      if (first.type === 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' || first.type === 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf') {
        const body = openapiV2Protobuf(doc);
        res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': body.length });
        return void res.end(body);
      }
      return sendJson(res, 200, doc);
    }
    if (path === '/openapi/v3') return sendJson(res, 200, aggregator.openapiV3Index(openapiV3Index(registry) as { paths: Record<string, unknown> }));
    if (path.startsWith('/openapi/v3/')) {
      const gvPath = path.slice('/openapi/v3/'.length);
      const doc = openapiV3Doc(registry, gvPath) ?? (await aggregator.openapiV3Doc(gvPath));
      return sendOrNotFound(res, doc);
    }
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${req.method} ${path})`, {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Watch hubs for built-in kinds start now, so a resourceVersion from any list after start-up can be watched from memory.
  // (Not for kinds nobody can watch: reviews are never stored.)
  const watchable = registry.all().filter((d) => !d.verbs || d.verbs.includes('watch'));
  await Promise.all(watchable.map((d) => state.hub(d)));
  await bootstrapObjects(state);
  if (saTokens) await ensureDefaultServiceAccounts(state);
  await ensureSystemPriorityClasses(state);
  const advertise = opts.advertiseAddress ?? (opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : defaultAdvertiseAddress());
  const ensureService = () => ensureKubernetesService(state, { clusterIP: serviceAllocation.kubernetesServiceIP, port });
  await ensureService();
  // This server's lease, and the kubernetes Service's endpoints listing every live server, itself
  // included; each round also puts back the kubernetes Service if someone deleted it.
  const endpointLeases = new EndpointLeaseReconciler(state, { address: advertise, port }, log.child({ component: 'apiserver-leases' }), opts.endpointLeases, ensureService);
  await endpointLeases.start();
  // As Kubernetes without --service-account-jwks-uri: the keys are at this server's external address.
  if (saTokens && !opts.serviceAccounts?.jwksUri) saTokens.jwksUri = `https://${advertise.includes(':') ? `[${advertise}]` : advertise}:${port}/openid/v1/jwks`;
  for (const hook of state.postStartHooks) await hook.run();
  const compactEvery = opts.compactionIntervalMs ?? 300_000;
  const stopCompaction = compactEvery > 0 ? startCompaction(opts.store, log, compactEvery, (rev) => state.compacted(rev)) : () => {};
  ready = true;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info('API server listening', { url, store: opts.store.backend, kinds: registry.all().length });
  return {
    url,
    port,
    state,
    // The client CAs stay as they are: only the certificate and its key change.
    setServingCertificate: (cert, key) => server.setSecureContext({ cert, key, ca: clientCAs }),
    setKubeletClientCertificate: (cert, key) => {
      setKubeletClient(state, { ...opts.kubeletClient, cert, key });
    },
    close: async () => {
      ready = false;
      // While the store is still there: this server's lease and address go now, not when the lease expires.
      await endpointLeases.stop();
      // The listener first (no new connections), then open streams and watches are cut.
      const closed = new Promise<void>((r) => server.close(() => r()));
      stopCompaction();
      serviceAllocation.stop();
      crdController.close();
      upgrades.close();
      aggregator.close();
      metricsApi?.close();
      stopInflightReport();
      state.close();
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
      await auditor?.close();
    },
  };
}

/** The request's URL; a target that does not parse (bad escapes, absolute-form with a bad port) is a 400. */
function targetOf(req: IncomingMessage): URL {
  try {
    return parseRequestTarget(req.url);
  } catch (e) {
    if (e instanceof BadTarget) throw badRequest(e.message);
    throw e;
  }
}

/** One warning per source address and minute when connections are refused, not one per connection. */
function rateLimitedRefusalLog(log: Logger) {
  const last = new Map<string, number>();
  return {
    note(ip: string, why: string) {
      const now = Date.now();
      if ((last.get(ip) ?? 0) > now - 60_000) return;
      if (last.size > 1000) last.clear();
      last.set(ip, now);
      log.warn('refusing connections', { from: ip, reason: why });
    },
  };
}

/** The protobuf OpenAPI v2 document, encoded once per registry state. */
const protoCache = new WeakMap<object, Buffer>();
function openapiV2Protobuf(doc: Record<string, unknown>): Buffer {
  let b = protoCache.get(doc);
  if (!b) protoCache.set(doc, (b = encodeOpenApiV2(doc)));
  return b;
}

function sendOrNotFound(res: ServerResponse, body: unknown) {
  if (body === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  sendJson(res, 200, body);
}

/** The aggregated discovery version the client prefers, if any: v2 or v2beta1. */
function aggregatedVersion(req: IncomingMessage): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(req.headers.accept)) {
    if (m.params.g === 'apidiscovery.k8s.io' && m.params.as === 'APIGroupDiscoveryList') {
      if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
    }
    if (m.type === 'application/json' && !m.params.as) return undefined;
  }
  return undefined;
}
