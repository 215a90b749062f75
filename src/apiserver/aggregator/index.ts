// API aggregation inside the API server, as kube-aggregator does it in front of kube-apiserver:
// APIServices are held in memory (watch-fed); a request under /apis/<group>/<version> of a
// non-local APIService is proxied to its extension server once authenticated and authorized here;
// the availability controller keeps each APIService's Available condition and the discovery
// document its server answered, which this server's discovery merges in (discovery-merge.ts);
// local APIServices follow the kind registry (local-apiservices.ts).

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject } from '../../api/kind.js';
import type { ApiState, UserInfo } from '../context.js';
import { WatchedKind } from '../storage/watched-kind.js';
import { apiService, availableCondition, isLocal, type APIService } from '../../api/kinds/apiregistration/apiservice.js';
import { nowSeconds } from '../prepare.js';
import { ApiError } from '../../api/errors.js';
import { checkAPIService, type APIResourceList, type CheckResult } from './availability.js';
import { proxyRequest, unreachable, type ProxyClient } from './proxy.js';
import { ResolveError, resolveService, type Target } from '../services/resolve-endpoint.js';
import { syncLocalAPIServices } from './local-apiservices.js';
import { ExtensionOpenApi, type V2Doc } from './openapi.js';

export interface AggregatorOptions {
  proxyClient: ProxyClient;
  /** How often every non-local APIService is checked (default 10 s; changes to an APIService are checked at once). */
  checkIntervalMs?: number;
}

/** A group/version served by an extension server that passed its last check. */
export interface ExtensionVersion {
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  resources?: APIResourceList;
}

const GV_PATH = /^\/apis\/([^/]+)\/([^/]+)(?:\/|$)/;
/** Checks running at once, at most (each is bounded by its own timeout). */
const CHECK_CONCURRENCY = 8;

export class Aggregator {
  private byName = new Map<string, APIService>();
  private results = new Map<string, CheckResult>();
  private watched: WatchedKind;
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private closed = false;
  private stopRegistry?: () => void;
  private openapi: ExtensionOpenApi;
  private idle: boolean;
  /** Pooled connections to extension servers, dropped on close. */
  private agent = new https.Agent({ keepAlive: true, maxFreeSockets: 16, timeout: 90_000 });

  constructor(
    private state: ApiState,
    private opts: AggregatorOptions,
  ) {
    // A registry without APIServices (a test's own): the aggregator stays idle.
    const def = state.registry.byResource('apiregistration.k8s.io', 'v1', 'apiservices') ?? apiService;
    this.idle = !state.registry.byResource('apiregistration.k8s.io', 'v1', 'apiservices');
    this.openapi = new ExtensionOpenApi(state, opts.proxyClient);
    this.watched = new WatchedKind({
      what: 'APIService cache (aggregation)',
      objects: () => state.objects(def),
      hub: () => state.hub(def),
      log: state.log,
      sink: {
        clear: () => this.byName.clear(),
        put: (o) => {
          const a = o as APIService;
          const name = a.metadata?.name ?? '';
          const before = this.byName.get(name);
          this.byName.set(name, a);
          // A new or changed spec is checked at once (a status write of ours is not a change).
          if (!isLocal(a) && JSON.stringify(before?.spec) !== JSON.stringify(a.spec)) this.checkSoon();
        },
        remove: (o) => {
          const name = o.metadata?.name ?? '';
          this.byName.delete(name);
          this.results.delete(name);
        },
      },
    });
  }

  /** Post-start: the cache, the local APIServices (again on every registry change), the periodic checks. */
  async start(): Promise<void> {
    if (this.idle) return;
    await this.watched.start();
    await syncLocalAPIServices(this.state);
    this.stopRegistry = this.state.registry.onChange(() => {
      syncLocalAPIServices(this.state).catch((e) => this.state.log.warn('could not sync local APIServices', { err: (e as Error).message }));
    });
    this.timer = setInterval(() => this.checkAll(), this.opts.checkIntervalMs ?? 10_000);
    this.timer.unref();
    this.checkSoon();
  }

  close() {
    this.closed = true;
    this.watched.close();
    this.stopRegistry?.();
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.agent.destroy();
  }

  /** The non-local APIService a path belongs to, if any. */
  serviceFor(path: string): APIService | undefined {
    const m = GV_PATH.exec(path);
    if (!m) return undefined;
    const a = this.byName.get(`${m[2]}.${m[1]}`);
    return a && !isLocal(a) ? a : undefined;
  }

  /** "group/version" of every APIService that names an extension server, available or not. */
  remoteGroupVersions(): Set<string> {
    const out = new Set<string>();
    for (const a of this.byName.values()) if (!isLocal(a)) out.add(`${a.spec?.group ?? ''}/${a.spec?.version ?? ''}`);
    return out;
  }

  /** Proxies a request (already authenticated and authorized) to its APIService's server. */
  async proxy(req: IncomingMessage, res: ServerResponse, url: URL, a: APIService, user: UserInfo): Promise<void> {
    // As kube-aggregator: an APIService that is not Available gets no traffic.
    if (availableCondition(a)?.status !== 'True') throw new ApiError(503, 'ServiceUnavailable', 'service unavailable');
    let target: Target;
    try {
      target = await resolveService(this.state, a.spec?.service ?? {});
    } catch (e) {
      if (e instanceof ResolveError) throw unreachable(e.message);
      throw e;
    }
    await proxyRequest(req, res, url.pathname + url.search, a, target, user, { ...this.opts.proxyClient, agent: this.agent });
  }

  /** The OpenAPI v3 index with the available extension group/versions added (local ones win). */
  openapiV3Index(local: { paths: Record<string, unknown> }): { paths: Record<string, unknown> } {
    return { ...local, paths: { ...this.openapi.indexEntries(this.availableServices()), ...local.paths } };
  }

  /** The OpenAPI v3 document of an available extension group/version ("apis/<group>/<version>"), from its server. */
  async openapiV3Doc(gvPath: string): Promise<unknown | undefined> {
    const m = /^apis\/([^/]+)\/([^/]+)$/.exec(gvPath);
    const a = m ? this.byName.get(`${m[2]}.${m[1]}`) : undefined;
    if (!a || isLocal(a) || availableCondition(a)?.status !== 'True') return undefined;
    return this.openapi.document(a);
  }

  /** The OpenAPI v2 document with the available extensions' paths and definitions (see openapi.ts). */
  openapiV2(base: V2Doc): Promise<V2Doc> {
    return this.openapi.mergedV2(base, this.availableServices());
  }

  private availableServices(): APIService[] {
    return [...this.byName.values()].filter((a) => !isLocal(a) && availableCondition(a)?.status === 'True');
  }

  /** versionPriority of a local group/version: its local APIService's when cached, else `fallback`. */
  localVersionPriority(group: string, version: string, fallback: number): number {
    const a = this.byName.get(`${version}.${group}`);
    return a && isLocal(a) && typeof a.spec?.versionPriority === 'number' ? a.spec.versionPriority : fallback;
  }

  /** Extension group/versions that passed their last check, highest priority first. */
  availableExtensions(): ExtensionVersion[] {
    const out: ExtensionVersion[] = [];
    for (const a of this.availableServices()) {
      const s = a.spec ?? {};
      out.push({ group: s.group ?? '', version: s.version ?? '', groupPriorityMinimum: s.groupPriorityMinimum ?? 0, versionPriority: s.versionPriority ?? 0, resources: this.results.get(a.metadata?.name ?? '')?.resources });
    }
    return out.sort((x, y) => y.groupPriorityMinimum - x.groupPriorityMinimum || y.versionPriority - x.versionPriority);
  }

  private checkSoon() {
    if (this.closed) return;
    clearTimeout(this.soon);
    this.soon = setTimeout(() => this.checkAll(), 50);
    this.soon.unref();
  }

  private async checkAll() {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const todo = [...this.byName.values()].filter((a) => !isLocal(a));
      for (let i = 0; i < todo.length; i += CHECK_CONCURRENCY) await Promise.all(todo.slice(i, i + CHECK_CONCURRENCY).map((a) => this.checkOne(a)));
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.checkSoon();
      }
    }
  }

  private async checkOne(a: APIService) {
    const name = a.metadata?.name ?? '';
    try {
      const r = await checkAPIService(this.state, a, this.opts.proxyClient);
      if (this.closed) return;
      this.results.set(name, r);
      await this.writeCondition(name, r.condition);
    } catch (e) {
      this.state.log.warn('APIService check failed', { apiservice: name, err: (e as Error).message });
    }
  }

  /** Writes the Available condition when it changed (lastTransitionTime only when its status did). */
  private async writeCondition(name: string, c: CheckResult['condition']) {
    const def = this.state.registry.byResource('apiregistration.k8s.io', 'v1', 'apiservices')!;
    const written = await this.state
      .objects(def)
      .guaranteedUpdate(undefined, name, (cur: KObject) => {
        const a = cur as APIService;
        if (isLocal(a)) return null;
        const conds = (a.status?.conditions ?? []).filter((x) => x?.type !== 'Available');
        const old = availableCondition(a);
        if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return null;
        const lastTransitionTime = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : nowSeconds();
        a.status = { ...(a.status ?? {}), conditions: [...conds, { ...c, lastTransitionTime }] };
        return a;
      })
      .catch((e) => {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      });
    if (written?.changed) {
      this.byName.set(name, written.obj as APIService);
      if (c.status === 'False') this.state.log.info('APIService not available', { apiservice: name, reason: c.reason, message: c.message });
    }
  }
}
