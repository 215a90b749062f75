// A small REST client for the Kubernetes API over HTTPS with client certificates: typed paths,
// JSON bodies, Status errors as exceptions carrying code and reason, and streaming watches.

import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RotatingCa, RotatingCredentials } from './rotating-credentials.js';
import type { KObject } from '../api/kind.js';
import { hostOf, recordRestRequest } from './rest-metrics.js';
import { ServerPool } from './server-pool.js';
import { failoverOf, gatewayFailure, reachedServer } from './failover.js';

export interface ClientConfig {
  /** The API server; with `servers`, the first of several sharing one CA and these credentials. */
  server: string;
  /** More API servers of the same cluster, tried when the current one fails (see server-pool.ts). */
  servers?: string[];
  /** A pool to share with other clients of the same servers (a RestClient made from this config's copy shares it). */
  pool?: ServerPool;
  /** Give up connecting (TCP and TLS) to a server after this long and try the next; 10 s by default. */
  connectTimeoutMs?: number;
  ca: string;
  /** A client certificate and key, or a bearer token (a joining node agent's). */
  cert?: string;
  key?: string;
  token?: string;
  /** A client certificate that may be renewed while in use (takes the place of cert/key). */
  rotating?: RotatingCredentials;
  /** A CA bundle that may be replaced while in use (takes the place of ca). */
  rotatingCa?: RotatingCa;
  userAgent?: string;
  /** Give up on a request (not a watch) that has not completed in this long; none by default. */
  requestTimeoutMs?: number;
}

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespaced?: boolean;
}

/** An API error answered with a Status. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: unknown,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  /** The Status's details.causes (empty when the answer carried none, or was not a Status). */
  get causes(): { reason?: string; message?: string; field?: string }[] {
    const c = (this.status as { details?: { causes?: unknown } } | undefined)?.details?.causes;
    return Array.isArray(c) ? c : [];
  }
}

export const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;
export const isConflict = (e: unknown) => e instanceof StatusError && e.code === 409;
export const isGone = (e: unknown) => e instanceof StatusError && e.code === 410;
/** A create refused because its namespace is being deleted: the 403 carrying a NamespaceTerminating cause. */
export const isNamespaceTerminating = (e: unknown) => e instanceof StatusError && e.code === 403 && e.causes.some((c) => c.reason === 'NamespaceTerminating');

export function resourcePath(r: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (namespace && r.namespaced !== false) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject;
}

/** Connection errors already prefixed with their request. */
const namedErrors = new WeakSet<object>();

/**
 * A connection failure the client gives up on, prefixed with the request it broke ("PATCH
 * /api/v1/nodes/n on https://a:6443: socket hang up"): Node's own message names neither, and its
 * stack ends in the socket, so a log or CLI error would not say which call failed. The same object
 * is kept (its code and failover tag stay); answers from the server (StatusError) are left alone.
 */
function named(e: unknown, method: string, path: string, server?: string): unknown {
  if (!(e instanceof Error) || e instanceof StatusError || namedErrors.has(e)) return e;
  namedErrors.add(e);
  const where = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  e.message = `${method} ${where}${server ? ` on ${server}` : ''}: ${e.message}`;
  return e;
}

/**
 * Connection budgets: each watch holds a connection for its life, so watches and requests get pools
 * of their own. However many informers a process runs, its requests (lease renewals among them) still
 * find a free connection: watches can never starve them, as client-go's separate streams ensure.
 */
const REQUEST_SOCKETS = 64;
const WATCH_SOCKETS = 256;
type Lane = 'request' | 'watch';

export class RestClient {
  private agents: Record<Lane, https.Agent>;
  private agentGeneration = 0;
  private caGeneration = 0;
  /** The servers this client fails over between (one server: a pool of one, which changes nothing). */
  readonly pool: ServerPool;
  /** The configuration, carrying the pool: a client made from a copy of it shares the servers' health. */
  readonly config: ClientConfig;

  constructor(config: ClientConfig) {
    this.pool = config.pool ?? new ServerPool([config.server, ...(config.servers ?? [])]);
    this.config = { ...config, pool: this.pool };
    this.agents = this.makeAgents();
  }

  private makeAgents(): Record<Lane, https.Agent> {
    const pair = this.config.rotating?.current ?? { cert: this.config.cert, key: this.config.key };
    this.agentGeneration = this.config.rotating?.generation ?? 0;
    this.caGeneration = this.config.rotatingCa?.generation ?? 0;
    const ca = this.config.rotatingCa?.current ?? this.config.ca;
    const agent = (maxSockets: number) => new https.Agent({ ca, cert: pair.cert, key: pair.key, keepAlive: true, maxSockets });
    return { request: agent(REQUEST_SOCKETS), watch: agent(WATCH_SOCKETS) };
  }

  /** The connection pool for the current certificate and CA bundle: a renewed one gets new pools, and the old ones' connections (watches too) are cut, so they reconnect as the new certificate. */
  private currentAgent(lane: Lane): https.Agent {
    const r = this.config.rotating;
    const t = this.config.rotatingCa;
    if ((r && r.generation !== this.agentGeneration) || (t && t.generation !== this.caGeneration)) {
      const old = this.agents;
      this.agents = this.makeAgents();
      old.request.destroy();
      old.watch.destroy();
    }
    return this.agents[lane];
  }

  close() {
    this.agents.request.destroy();
    this.agents.watch.destroy();
  }

  /** One attempt on one server, resolved when the response headers arrive. */
  private openOn(lane: Lane, server: string, method: string, path: string, data: string | undefined, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
    const start = process.hrtime.bigint();
    const host = hostOf(server);
    return new Promise<IncomingMessage>((resolve, reject) => {
      let reached = false;
      const req = https.request(
        server + path,
        {
          method,
          agent: this.currentAgent(lane),
          signal,
          headers: { Accept: 'application/json', 'User-Agent': this.config.userAgent ?? 'gifee', ...(this.config.token ? { Authorization: `Bearer ${this.config.token}` } : {}), ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}), ...headers },
        },
        resolve,
      );
      // Until the TLS handshake is done the request cannot have reached the server: any failure
      // before it may be retried elsewhere, whatever the method. A reused keep-alive socket is
      // already connected, so a failure on it may come after the server got the request.
      req.once('socket', (socket) => {
        if (req.reusedSocket) {
          reached = true;
          return;
        }
        const timer = setTimeout(() => req.destroy(Object.assign(new Error(`connecting to ${host} timed out`), { code: 'ETIMEDOUT' })), this.config.connectTimeoutMs ?? 10_000);
        timer.unref();
        (socket as TLSSocket).once('secureConnect', () => {
          reached = true;
          clearTimeout(timer);
        });
        socket.once('close', () => clearTimeout(timer));
      });
      req.on('error', (e) => reject(reachedServer(e, reached)));
      req.end(data);
    }).then(
      (res) => {
        recordRestRequest(host, method, res.statusCode, start);
        return res;
      },
      (e) => {
        recordRestRequest(host, method, undefined, start);
        throw e;
      },
    );
  }

  /**
   * A request through the pool: on the current server; on a connection failure, timeout or gateway
   * error that server is marked bad and, when it is safe, the request goes to the next one. Safe:
   * any method while the request cannot have reached the server (it failed before the TLS
   * handshake completed), and reads (GET, HEAD) always. A write that may have reached the server
   * (POST, PUT, PATCH, DELETE on a connected socket) is never sent again here: it may have been
   * applied, and a second create, JSON patch or delete is not the same as one. Its caller gets the
   * error and decides (controllers and the agent re-read and retry with back-off).
   * consume reads the response; a failure while reading counts as a failure of the server.
   */
  private async exchange<T>(method: string, path: string, body: unknown, headers: Record<string, string>, signal: AbortSignal | undefined, consume: (res: IncomingMessage, server: string) => Promise<T>, lane: Lane = 'request'): Promise<T> {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const tried = new Set<string>();
    let last: unknown;
    for (;;) {
      const server = this.pool.pick(tried);
      if (server === undefined) throw named(last, method, path);
      tried.add(server);
      let res: IncomingMessage;
      try {
        res = await this.openOn(lane, server, method, path, data, headers, signal);
      } catch (e) {
        const f = failoverOf(e, method, signal);
        if (f.markBad) this.pool.failed(server, (e as Error).message);
        if (!f.retry) throw named(e, method, path, server);
        last = e;
        continue;
      }
      // A gateway in front of the server says it is unreachable: the answer is not the cluster's.
      if (gatewayFailure(res.statusCode)) {
        this.pool.failed(server, `answered ${res.statusCode}`);
        // The last server's gateway answer is returned as the error it is.
        if (failoverOf(undefined, method, signal).retry && this.pool.servers.some((s) => !tried.has(s))) {
          res.resume();
          continue;
        }
      }
      try {
        const out = await consume(res, server);
        this.pool.succeeded(server);
        return out;
      } catch (e) {
        if (e instanceof StatusError) {
          // The server answered (a gateway's 502/504 is not the server's answer: it stays marked).
          if (!gatewayFailure(e.code)) this.pool.succeeded(server);
          throw e;
        }
        // The connection broke mid-answer: the server got the request.
        const f = failoverOf(reachedServer(e, true), method, signal);
        if (f.markBad) this.pool.failed(server, (e as Error).message);
        if (!f.retry) throw named(e, method, path, server);
        last = e;
      }
    }
  }

  async request<T = KObject>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    // The signal covers the whole exchange: a server that stalls mid-body fails the request too.
    const signal = this.config.requestTimeoutMs ? AbortSignal.timeout(this.config.requestTimeoutMs) : undefined;
    return this.exchange(method, path, body, headers, signal, async (res) => {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if ((res.statusCode ?? 500) >= 400) {
        const s = json as { message?: string; reason?: string } | undefined;
        throw new StatusError(res.statusCode ?? 500, s?.reason ?? 'Unknown', s?.message ?? text.slice(0, 200), json);
      }
      return json as T;
    });
  }

  get(r: ResourceRef, namespace: string | undefined, name: string) {
    return this.request('GET', resourcePath(r, namespace, name));
  }

  list(r: ResourceRef, namespace?: string, query: Record<string, string> = {}) {
    const q = new URLSearchParams(query).toString();
    return this.request<{ metadata: { resourceVersion: string; continue?: string }; items: KObject[] }>('GET', resourcePath(r, namespace) + (q ? `?${q}` : ''));
  }

  create(r: ResourceRef, namespace: string | undefined, obj: KObject) {
    return this.request('POST', resourcePath(r, namespace), obj);
  }

  update(r: ResourceRef, obj: KObject, subresource?: string) {
    return this.request('PUT', resourcePath(r, obj.metadata?.namespace, obj.metadata?.name, subresource), obj);
  }

  patch(r: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json' | 'strategic' = 'merge', subresource?: string) {
    const ct = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' }[type];
    return this.request('PATCH', resourcePath(r, namespace, name, subresource), patch, { 'Content-Type': ct });
  }

  /** Server-side apply (the patch type custom resources take besides merge and JSON patch). */
  apply(r: ResourceRef, obj: KObject, fieldManager: string, opts: { force?: boolean; subresource?: string } = {}) {
    const q = new URLSearchParams({ fieldManager, ...(opts.force ? { force: 'true' } : {}) }).toString();
    return this.request('PATCH', `${resourcePath(r, obj.metadata?.namespace, obj.metadata?.name, opts.subresource)}?${q}`, obj, { 'Content-Type': 'application/apply-patch+yaml' });
  }

  delete(r: ResourceRef, namespace: string | undefined, name: string, options: Record<string, unknown> = {}) {
    return this.request('DELETE', resourcePath(r, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
  }

  /** A watch stream: calls onEvent per event until the server ends it or abort() is called. */
  watch(r: ResourceRef, namespace: string | undefined, query: Record<string, string>, onEvent: (e: WatchEvent) => void): { done: Promise<void>; abort(): void } {
    let res: IncomingMessage | undefined;
    let aborted = false;
    const q = new URLSearchParams({ ...query, watch: '1' }).toString();
    // The pool picks the server when the watch opens; a stream that breaks later marks its server
    // bad and ends with the error, and the informer watches again (elsewhere) from its last
    // resourceVersion: events already delivered are never replayed here.
    let server: string | undefined;
    // A watch cut because this client renewed its certificate (the old pool destroyed) is not its server's fault.
    let generation = -1;
    const done = (async () => {
      res = await this.exchange(
        'GET',
        `${resourcePath(r, namespace)}?${q}`,
        undefined,
        {},
        undefined,
        async (opened, on) => {
          server = on;
          generation = this.agentGeneration;
          return opened;
        },
        'watch',
      );
      if (aborted) {
        res.destroy();
        return;
      }
      if ((res.statusCode ?? 500) >= 400) {
        let text = '';
        for await (const c of res) text += c;
        let s: { message?: string; reason?: string } = {};
        let json: unknown;
        try {
          json = JSON.parse(text);
          s = (json ?? {}) as typeof s;
        } catch {
          /* not JSON */
        }
        throw new StatusError(res.statusCode ?? 500, s.reason ?? 'Unknown', s.message ?? text, json);
      }
      // Only each new chunk is searched for newlines: searching the whole buffer per chunk made a
      // 2 MB event (a pod with thousands of containers) cost every watcher a quadratic scan.
      let buf = '';
      try {
        for await (const c of res) {
          const chunk = String(c);
          let start = 0;
          let i: number;
          while ((i = chunk.indexOf('\n', start)) >= 0) {
            const line = buf + chunk.slice(start, i);
            buf = '';
            start = i + 1;
            if (line.trim()) onEvent(JSON.parse(line) as WatchEvent);
          }
          buf += chunk.slice(start);
        }
      } catch (e) {
        if (aborted) return;
        if (server !== undefined && generation === this.agentGeneration && (e as { code?: unknown }).code !== undefined) this.pool.failed(server, `watch broke: ${(e as Error).message}`);
        throw e;
      }
    })();
    return {
      done,
      abort: () => {
        aborted = true;
        res?.destroy();
      },
    };
  }
}
