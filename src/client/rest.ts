// A small REST client for the Kubernetes API over HTTPS with client certificates: typed paths,
// JSON bodies, Status errors as exceptions carrying code and reason, and streaming watches.

import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { RotatingCredentials } from './rotating-credentials.js';
import type { KObject } from '../api/kind.js';
import { hostOf, recordRestRequest } from './rest-metrics.js';

export interface ClientConfig {
  server: string;
  ca: string;
  /** A client certificate and key, or a bearer token (a joining node agent's). */
  cert?: string;
  key?: string;
  token?: string;
  /** A client certificate that may be renewed while in use (takes the place of cert/key). */
  rotating?: RotatingCredentials;
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

export class RestClient {
  private agent: https.Agent;
  private agentGeneration = 0;
  /** The server's host:port, as the rest_client_* metrics label it. */
  private host?: string;

  constructor(readonly config: ClientConfig) {
    this.agent = this.makeAgent();
  }

  private makeAgent(): https.Agent {
    const pair = this.config.rotating?.current ?? { cert: this.config.cert, key: this.config.key };
    this.agentGeneration = this.config.rotating?.generation ?? 0;
    return new https.Agent({ ca: this.config.ca, cert: pair.cert, key: pair.key, keepAlive: true, maxSockets: 64 });
  }

  /** The connection pool for the current certificate: a renewed one gets a new pool, and the old one's connections (watches too) are cut, so they reconnect as the new certificate. */
  private currentAgent(): https.Agent {
    const r = this.config.rotating;
    if (r && r.generation !== this.agentGeneration) {
      const old = this.agent;
      this.agent = this.makeAgent();
      old.destroy();
    }
    return this.agent;
  }

  close() {
    this.agent.destroy();
  }

  private open(method: string, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
    const start = process.hrtime.bigint();
    const host = (this.host ??= hostOf(this.config.server));
    return new Promise<IncomingMessage>((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = https.request(
        this.config.server + path,
        {
          method,
          agent: this.currentAgent(),
          signal,
          headers: { Accept: 'application/json', 'User-Agent': this.config.userAgent ?? 'gifee', ...(this.config.token ? { Authorization: `Bearer ${this.config.token}` } : {}), ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}), ...headers },
        },
        resolve,
      );
      req.on('error', reject);
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

  async request<T = KObject>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    // The signal covers the whole exchange: a server that stalls mid-body fails the request too.
    const signal = this.config.requestTimeoutMs ? AbortSignal.timeout(this.config.requestTimeoutMs) : undefined;
    const res = await this.open(method, path, body, headers, signal);
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
    const done = (async () => {
      res = await this.open('GET', `${resourcePath(r, namespace)}?${q}`, undefined, {});
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
        if (!aborted) throw e;
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
