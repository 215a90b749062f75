// The ingress data plane: Node's http server (plain HTTP) and http2 secure server (HTTP/2 and
// HTTP/1.1 on TLS) in front of the routing table. Each request is routed by Host and path,
// redirected to HTTPS when its host has TLS, and sent straight to one of the Service's pods (round
// robin) over kept-alive connections: undici's HTTP/1.1 client, one pool per pod, each request a
// handler object (no streams or promises per request). Connection refusals (a pod going away) are
// retried on the next pod, and so is a connection that closes before any answer when the request is
// idempotent or the connection was a kept-alive one the pod had closed; that is safe because request
// bodies are buffered first, bounded as ingress-nginx's client_max_body_size. Responses stream
// through as they come (server-sent events, long downloads); WebSocket upgrades are spliced to the pod.
//
// Hostile input is bounded: header size and count, body size, header and idle timeouts; a bad
// request is answered, never thrown.

import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { type Dispatcher, Pool } from 'undici';
import { type Logger, levelEnabled } from '../../util/log.js';
import { type Route, type RoutingTable, hostOfHeader, lookupRoute } from './routing.js';
import type { Upstream, UpstreamIndex } from './upstreams.js';
import { ingressMetrics } from './metrics.js';

export interface ProxyState {
  table: RoutingTable;
  upstreams: UpstreamIndex;
}

export interface ProxyLimits {
  /** Largest request body (ingress-nginx's client_max_body_size, default 1m). */
  maxBodyBytes: number;
  /** Largest request head (Node's --max-http-header-size; ingress-nginx allows 4 × 8k large buffers). */
  maxHeaderBytes: number;
  /** Time for a client to send the whole head. */
  headersTimeoutMs: number;
  /** Connecting to a pod (ingress-nginx's proxy-connect-timeout, 5 s). */
  connectTimeoutMs: number;
  /** Silence from a pod while waiting for or reading its response (proxy-read-timeout, 60 s). */
  readTimeoutMs: number;
  /** Idle kept-alive client connections are closed after this (keep-alive, 75 s in ingress-nginx). */
  keepAliveTimeoutMs: number;
  /** Tries per request over distinct pods on connection refusal (proxy-next-upstream-tries, 3). */
  tries: number;
}

export const DEFAULT_LIMITS: ProxyLimits = {
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 32 * 1024,
  headersTimeoutMs: 60_000,
  connectTimeoutMs: 5_000,
  readTimeoutMs: 60_000,
  keepAliveTimeoutMs: 75_000,
  tries: 3,
};

export interface ProxyOptions {
  host: string;
  httpPort?: number;
  httpsPort?: number;
  state(): ProxyState;
  /** SNI: the certificate for a name; defaultContext when none is asked for. */
  contextFor(servername: string | undefined): SecureContext;
  defaultCert: { cert: string; key: string };
  limits?: Partial<ProxyLimits>;
  /** One line per request at info level (off: nothing). */
  accessLog?: Logger;
  log: Logger;
}

export interface IngressProxy {
  httpPort?: number;
  httpsPort?: number;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 7.6.1) are the connection's, not the request's.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-authorization']);
/** Responses of a known length up to this are sent with their head in one write. */
const SMALL_BODY_BYTES = 64 * 1024;

/** The request headers the proxy sets itself (the client's are not trusted) or drops. */
const SET_BY_PROXY = new Set([...HOP_BY_HOP, 'host', 'content-length', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'expect']);
const NO_TOKENS: ReadonlySet<string> = new Set();

/** Headers a Connection header names are hop-by-hop too (the usual lone keep-alive or close: none more). */
function connectionTokens(v: string | string[] | undefined): ReadonlySet<string> {
  if (typeof v !== 'string' || !v) return NO_TOKENS;
  const lower = v.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return NO_TOKENS;
  return new Set(
    v
      .toLowerCase()
      .split(',')
      .map((s) => s.trim()),
  );
}

const isHttp2 = (req: http.IncomingMessage) => req.httpVersionMajor === 2;

/** The request's host: Host in HTTP/1, :authority in HTTP/2 (where Host is optional). */
function hostHeaderOf(req: http.IncomingMessage): string | undefined {
  const h = req.headers.host ?? req.headers[':authority'];
  return typeof h === 'string' ? h : undefined;
}

/** HTTP/2 has no reason phrase (RFC 9113 8.3.2): the pod's is dropped there. */
function writeHead(req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string | undefined, headers: http.OutgoingHttpHeaders | string[]) {
  if (isHttp2(req)) res.writeHead(status, headers);
  else res.writeHead(status, message, headers);
}

class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** How long an idle kept-alive connection to a pod is kept (ingress-nginx's upstream-keepalive-timeout, 60 s); a pod's own shorter Keep-Alive timeout is honoured, less a second. */
const UPSTREAM_KEEPALIVE_MS = 60_000;
/** Errors of a connection that never carried the request: another pod is tried. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** The connection closing under a request before any answer: another pod is tried if the request is idempotent or the connection a kept-alive one the pod had closed. */
const RESET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** What the proxy aborts a pod's response with when its client has gone. */
const CLIENT_GONE = new Error('client went away');

/** A reset on a connection that had already read earlier answers (undici reports the socket's byte counts): a stale kept-alive connection. */
const reusedConnection = (e: Error) => ((e as { socket?: { bytesRead?: number } | null }).socket?.bytesRead ?? 0) > 0;

/**
 * The pod's request headers, as a flat [name, value, ...] list: the client's end-to-end headers in
 * their order (HTTP/1: duplicates as sent), then Host and the X-Forwarded-* set by the proxy, a
 * Content-Length when the body is buffered.
 */
function forwardedHeaders(req: http.IncomingMessage, scheme: 'http' | 'https', port: number, contentLength: number | undefined): string[] {
  // An HTTP/2 request names its host in :authority; the pod is spoken to in HTTP/1.1, with Host.
  const host = hostHeaderOf(req) ?? '';
  const out: string[] = ['host', host];
  const connTokens = connectionTokens(req.headers.connection);
  if (isHttp2(req)) {
    // (Node joins HTTP/2 cookie crumbs with "; " in headers: one Cookie line for HTTP/1.1, RFC 9113 8.2.3.)
    for (const k in req.headers) {
      const v = req.headers[k];
      if (v === undefined || k.startsWith(':') || SET_BY_PROXY.has(k) || connTokens.has(k)) continue;
      if (Array.isArray(v)) for (const one of v) out.push(k, one);
      else out.push(k, v);
    }
  } else {
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i].toLowerCase();
      if (SET_BY_PROXY.has(k) || connTokens.has(k)) continue;
      out.push(raw[i], raw[i + 1]);
    }
  }
  const client = req.socket.remoteAddress ?? '';
  // The client's own X-Forwarded-For is not trusted (ingress-nginx's use-forwarded-headers: false).
  out.push('x-forwarded-for', client, 'x-real-ip', client, 'x-forwarded-proto', scheme, 'x-forwarded-host', host, 'x-forwarded-port', String(port));
  if (contentLength !== undefined) out.push('content-length', String(contentLength));
  return out;
}

/**
 * The pod's response headers for the client (undici hands them over as raw bytes): end-to-end ones
 * only, as a flat list for HTTP/1, an object for HTTP/2; and the declared Content-Length (-1: none).
 */
function responseHeaders(raw: Buffer[], h2: boolean): { headers: http.OutgoingHttpHeaders | string[]; length: number } {
  let out: string[] = [];
  let length = -1;
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') connection = raw[i + 1].toString('latin1');
      continue;
    }
    const value = raw[i + 1].toString('latin1');
    if (lower === 'content-length') length = Number(value);
    out.push(h2 ? lower : name, value);
  }
  // Headers the Connection header names are the connection's too (rare: usually a lone keep-alive).
  const tokens = connectionTokens(connection);
  if (tokens.size) out = out.filter((_, i) => !tokens.has(out[i - (i % 2)].toLowerCase()));
  if (!h2) return { headers: out, length };
  // HTTP/2 takes an object: Set-Cookie repeats as a list, other repeated fields are joined.
  const headers: http.OutgoingHttpHeaders = {};
  for (let i = 0; i < out.length; i += 2) {
    const k = out[i];
    const prev = headers[k];
    if (prev === undefined) headers[k] = out[i + 1];
    else if (k === 'set-cookie') headers[k] = [...(prev as string[] | string), out[i + 1]].flat();
    else headers[k] = `${prev}, ${out[i + 1]}`;
  }
  return { headers, length };
}

/** One pod's connection pool and address ("ip:port", for the access log): not an API Pod (src/api/core). */
interface PodPool {
  addr: string;
  pool: Pool;
}

/** What an exchange needs of its proxy. */
interface Ctx {
  limits: ProxyLimits;
  podFor(u: Upstream): PodPool;
  pick(route: Route, list: Upstream[], tried: readonly Upstream[]): Upstream | undefined;
  upstreamError(route: Route, reason: string): void;
  /** The request is over: metrics and the access line. */
  done(x: Exchange): void;
  internal(e: unknown): void;
}

const NO_UPSTREAMS: Upstream[] = [];

/**
 * One request through the proxy: the undici handler of each try at a pod (a refused connection moves
 * on to the next pod), then the client's response. A small body of known length is gathered and sent
 * with its head in one write (most API answers: fewer syscalls); anything else streams as it comes,
 * with the client's backpressure passed on to the pod.
 */
class Exchange implements Dispatcher.DispatchHandlers {
  readonly started = performance.now();
  route: Route | undefined = undefined;
  status = 0;
  upstreamAddr = '-';
  private list = NO_UPSTREAMS;
  private tried: Upstream[] = [];
  private opts: Dispatcher.DispatchOptions | undefined = undefined;
  private abort: ((err?: Error) => void) | undefined = undefined;
  private resume: (() => void) | undefined = undefined;
  /** The pod's response head has come: no more tries. */
  private answered = false;
  private finished = false;
  /** The declared length of a small body being gathered (-1: the body streams). */
  private expected = -1;
  private chunks: Buffer[] | undefined = undefined;
  private outHeaders: http.OutgoingHttpHeaders | string[] = [];
  private statusText = '';

  constructor(
    private readonly ctx: Ctx,
    readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
  ) {}

  start(list: Upstream[], headers: string[], body: Buffer | null) {
    this.list = list;
    this.opts = { path: this.req.url ?? '/', method: (this.req.method ?? 'GET') as Dispatcher.HttpMethod, headers, body, reset: false };
    this.next();
  }

  private next() {
    const { ctx, route, opts } = this;
    const u = route && opts && this.tried.length < Math.max(ctx.limits.tries, 1) ? ctx.pick(route, this.list, this.tried) : undefined;
    if (!u || !opts) return this.fail(new ProxyError(502, 'Bad Gateway', 'upstream_error'));
    this.tried.push(u);
    const pod = ctx.podFor(u);
    this.upstreamAddr = pod.addr;
    pod.pool.dispatch(opts, this);
  }

  onConnect(abort: (err?: Error) => void) {
    this.abort = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // (103 Early Hints and the like are not passed on)
    this.answered = true;
    this.status = statusCode;
    const req = this.req;
    const { headers, length } = responseHeaders(raw, isHttp2(req));
    // (HEAD answers and 204/304 declare a length they do not carry.)
    if (length >= 0 && length <= SMALL_BODY_BYTES && req.method !== 'HEAD' && statusCode !== 204 && statusCode !== 304) {
      this.expected = length;
      this.chunks = [];
      this.outHeaders = headers;
      this.statusText = statusText;
      return true;
    }
    writeHead(req, this.res, statusCode, statusText, headers);
    this.resume = resume;
    // The client going away stops the pod's response.
    this.res.once('close', () => {
      if (!this.finished) this.abort?.(CLIENT_GONE);
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks) {
      this.chunks.push(chunk);
      return true;
    }
    if (this.res.write(chunk)) return true;
    if (this.resume) this.res.once('drain', this.resume);
    return false;
  }

  onComplete() {
    const { res, chunks } = this;
    if (chunks) {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (body.length !== this.expected) res.destroy();
      else {
        writeHead(this.req, res, this.status, this.statusText, this.outHeaders);
        res.end(body);
      }
    } else res.end();
    this.finish();
  }

  onError(err: Error) {
    if (this.finished) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const route = this.route;
    if (err !== CLIENT_GONE && route) this.ctx.upstreamError(route, code || 'error');
    if (this.answered || this.res.destroyed) {
      // The body broke off (or the client went away): the client's response cannot be completed.
      if (this.res.headersSent || this.res.destroyed || err === CLIENT_GONE) {
        this.res.destroy();
        return this.finish();
      }
      return this.fail(new ProxyError(502, 'Bad Gateway', 'upstream_error'));
    }
    // A refused or never-made connection means the pod saw nothing: try the next one. A connection
    // closing before any answer may have reached the pod: only an idempotent request is tried again,
    // or one on a kept-alive connection the pod had closed.
    const method = this.opts?.method ?? 'GET';
    if (CONNECT_ERRORS.has(code) || (RESET_ERRORS.has(code) && (IDEMPOTENT.has(method) || reusedConnection(err)))) return this.next();
    this.fail(TIMEOUT_ERRORS.has(code) ? new ProxyError(504, 'Gateway Timeout', 'timeout') : new ProxyError(502, 'Bad Gateway', 'upstream_error'));
  }

  /** The proxy's own answer (an error page), or the connection cut when a response had begun. */
  fail(e: unknown) {
    if (this.finished) return;
    const pe = e instanceof ProxyError ? e : new ProxyError(500, 'Internal Server Error', 'internal');
    if (!(e instanceof ProxyError)) this.ctx.internal(e);
    this.status = pe.status;
    const { req, res } = this;
    if (!res.headersSent && !res.destroyed) {
      const text = `${pe.status} ${pe.message}\n`;
      // HTTP/2 has no Connection header (a 413 there ends only its stream).
      const close = pe.status === 413 && !isHttp2(req) ? { connection: 'close' } : {};
      res.writeHead(pe.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...close });
      res.end(text);
    } else res.destroy();
    this.finish();
  }

  private finish() {
    if (this.finished) return;
    this.finished = true;
    this.ctx.done(this);
  }
}

export async function startIngressProxy(o: ProxyOptions): Promise<IngressProxy> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const log = o.log;
  const metrics = ingressMetrics();
  // Kept-alive connections to each pod: one undici pool per pod address (its HTTP/1.1 client, without
  // a stream per request), no cap on connections (the client connections are the bound). A pool whose
  // connections have all closed (idle past keepAliveTimeout, or its pod gone) is dropped at the next sweep.
  const pools = new Map<string, Pool>();
  const podOf = new WeakMap<Upstream, PodPool>();
  const podFor = (u: Upstream): PodPool => {
    let pod = podOf.get(u);
    if (pod && !pod.pool.closed) return pod;
    const addr = `${u.ip}:${u.port}`;
    let pool = pools.get(addr);
    if (!pool || pool.closed) {
      pool = new Pool(`http://${addr}`, {
        connections: null,
        pipelining: 1,
        connect: { timeout: limits.connectTimeoutMs },
        headersTimeout: limits.readTimeoutMs,
        bodyTimeout: limits.readTimeoutMs,
        keepAliveTimeout: UPSTREAM_KEEPALIVE_MS,
        maxHeaderSize: limits.maxHeaderBytes,
      });
      pools.set(addr, pool);
    }
    pod = { addr, pool };
    podOf.set(u, pod);
    return pod;
  };
  const sweep = setInterval(() => {
    for (const [addr, pool] of pools) {
      const st = pool.stats;
      if (st.connected === 0 && st.size === 0) {
        pools.delete(addr);
        void pool.close();
      }
    }
  }, UPSTREAM_KEEPALIVE_MS);
  sweep.unref();
  // Round-robin position per backend of the current routing table (a recompiled table starts anew).
  const rr = new WeakMap<object, number>();
  // Metric series by rule host and status: label keys made once, not per request. Rule hosts and
  // three-digit statuses bound them.
  const requestSeries = new Map<string, Map<number, () => void>>();
  const durationSeries = new Map<string, (seconds: number) => void>();
  const countRequest = (host: string, status: number) => {
    let byStatus = requestSeries.get(host);
    if (!byStatus) requestSeries.set(host, (byStatus = new Map()));
    let inc = byStatus.get(status);
    if (!inc) byStatus.set(status, (inc = metrics.requests.series({ host, status: String(status) })));
    inc();
  };
  const observeDuration = (host: string, seconds: number) => {
    let observe = durationSeries.get(host);
    if (!observe) durationSeries.set(host, (observe = metrics.duration.observer({ host })));
    observe(seconds);
  };

  const pick = (route: Route, list: Upstream[], tried: readonly Upstream[]): Upstream | undefined => {
    const start = rr.get(route.backend) ?? 0;
    rr.set(route.backend, (start + 1) % 1_000_000_000);
    for (let i = 0; i < list.length; i++) {
      const u = list[(start + i) % list.length];
      if (!tried.includes(u)) return u;
    }
    return undefined;
  };

  const ctx: Ctx = {
    limits,
    podFor,
    pick,
    upstreamError: (route, reason) => metrics.upstreamErrors.inc({ host: route.host || '_', reason }),
    done(x) {
      const seconds = (performance.now() - x.started) / 1000;
      const route = x.route;
      const host = route ? route.host || '_' : '_';
      countRequest(host, x.status);
      observeDuration(host, seconds);
      // (Its fields are made only when the line is written: not at GIFEE_LOG=warn.)
      const req = x.req;
      if (o.accessLog && levelEnabled('info'))
        o.accessLog.info('request', { client: req.socket.remoteAddress, method: req.method, host: hostHeaderOf(req)?.slice(0, 256), proto: req.httpVersion, path: req.url?.slice(0, 256), status: x.status, seconds: Math.round(seconds * 1e6) / 1e6, upstream: x.upstreamAddr, ingress: route?.ingress });
    },
    internal: (e) => log.warn('ingress request failed', { err: e }),
  };

  const readBody = (req: http.IncomingMessage): Promise<Buffer> => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limits.maxBodyBytes) return Promise.reject(new ProxyError(413, 'Request Entity Too Large', 'body_too_large'));
    if (declared === '0') return Promise.resolve(Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limits.maxBodyBytes) {
          req.removeAllListeners('data');
          req.pause();
          return reject(new ProxyError(413, 'Request Entity Too Large', 'body_too_large'));
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks, size)));
      req.on('error', reject);
    });
  };

  // Request handling is synchronous up to the pod's answer (no promise per request), unless the
  // request has a body, which is read first.
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, scheme: 'http' | 'https', port: number) => {
    const x = new Exchange(ctx, req, res);
    try {
      const url = req.url ?? '/';
      if (!url.startsWith('/')) throw new ProxyError(400, 'Bad Request', 'bad_request');
      const host = hostOfHeader(hostHeaderOf(req));
      if (host === undefined) throw new ProxyError(400, 'Bad Request', 'bad_host');
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const state = o.state();
      const route = lookupRoute(state.table, host, path);
      if (!route) throw new ProxyError(404, 'default backend - 404', 'no_route');
      x.route = route;
      if (scheme === 'http' && route.sslRedirect) {
        const httpsPort = server.https ? (server.https.address() as AddressInfo).port : 443;
        x.status = 308;
        res.writeHead(308, { location: `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${url}`, 'content-type': 'text/html', 'content-length': '0' });
        res.end();
        ctx.done(x);
        return;
      }
      const list = state.upstreams.get(route.backend);
      if (list.length === 0) throw new ProxyError(503, 'Service Temporarily Unavailable', 'no_endpoints');
      if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
        x.start(list, forwardedHeaders(req, scheme, port, undefined), null);
        return;
      }
      readBody(req).then(
        (body) => x.start(list, forwardedHeaders(req, scheme, port, body.length), body.length ? body : null),
        (e) => x.fail(e),
      );
    } catch (e) {
      x.fail(e);
    }
  };

  /** WebSocket (any Upgrade): the pod's 101 and the bytes after it are spliced both ways. */
  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https', port: number) => {
    const fail = (code: number, text: string) => {
      metrics.requests.inc({ host: '_', status: String(code) });
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    const host = hostOfHeader(req.headers.host);
    const url = req.url ?? '/';
    if (host === undefined || !url.startsWith('/')) return fail(400, 'Bad Request');
    const q = url.indexOf('?');
    const state = o.state();
    const route = lookupRoute(state.table, host, q < 0 ? url : url.slice(0, q));
    if (!route) return fail(404, 'Not Found');
    if (scheme === 'http' && route.sslRedirect) return fail(403, 'Forbidden');
    const list = state.upstreams.get(route.backend);
    const u = pick(route, list, []);
    if (!u) return fail(503, 'Service Temporarily Unavailable');
    const headers = forwardedHeaders(req, scheme, port, undefined);
    headers.push('connection', 'Upgrade', 'upgrade', req.headers.upgrade ?? '');
    const upReq = http.request({ host: u.ip, port: u.port, method: req.method, path: url, headers, agent: false });
    const connectTimer = setTimeout(() => upReq.destroy(), limits.connectTimeoutMs);
    upReq.on('upgrade', (upRes, upSocket, upHead) => {
      clearTimeout(connectTimer);
      const lines = [`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2) lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.on('error', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
      upSocket.pipe(socket);
      socket.pipe(upSocket);
      metrics.requests.inc({ host: route.host || '_', status: '101' });
    });
    upReq.on('response', (upRes) => {
      // The pod refused the upgrade: its answer goes back as is, then the connection closes.
      clearTimeout(connectTimer);
      const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage ?? ''}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2) if (!/^(connection|transfer-encoding)$/i.test(upRes.rawHeaders[i])) lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      lines.push('Connection: close');
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      upRes.pipe(socket);
      metrics.requests.inc({ host: route.host || '_', status: String(upRes.statusCode) });
    });
    upReq.on('error', () => {
      clearTimeout(connectTimer);
      metrics.upstreamErrors.inc({ host: route.host || '_', reason: 'upgrade' });
      if (socket.writable) fail(502, 'Bad Gateway');
    });
    upReq.end();
  };

  const serverOptions = { maxHeaderSize: limits.maxHeaderBytes, headersTimeout: limits.headersTimeoutMs, requestTimeout: 0, keepAliveTimeout: limits.keepAliveTimeoutMs };
  const server: { http?: http.Server; https?: http2.Http2SecureServer } = {};
  /** The TLS listener's connections (HTTP/2 sessions and HTTP/1.1 sockets alike), closed at stop. */
  const tlsSockets = new Set<Socket>();
  const listen = async (s: http.Server | http2.Http2SecureServer, port: number, scheme: 'http' | 'https') => {
    // A head with too many headers is a 431 from Node itself (maxHeadersCount keeps parsing bounded).
    if (s instanceof http.Server) s.maxHeadersCount = 200;
    let bound = 0; // the listening port, once known
    // The HTTP/2 compatibility request and response have the HTTP/1 shapes handle() uses (headers,
    // url, method, socket; writeHead, write, end, drain); the few differences are handled there.
    const onRequest = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void handle(req as http.IncomingMessage, res as http.ServerResponse, scheme, (bound ||= (s.address() as AddressInfo).port));
    s.on('request', onRequest);
    // WebSocket upgrades arrive over HTTP/1.1 (a client offering h2 and http/1.1 picks the latter for them).
    s.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => upgrade(req, socket, head, scheme, (bound ||= (s.address() as AddressInfo).port)));
    s.on('clientError', (_e: Error, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, o.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
  };
  try {
    if (o.httpPort !== undefined) {
      server.http = http.createServer(serverOptions);
      await listen(server.http, o.httpPort, 'http');
    }
    if (o.httpsPort !== undefined) {
      // HTTP/2 on TLS (ALPN h2), HTTP/1.1 beside it for older clients and WebSockets. Its limits:
      // a bounded header list and stream count per session, an idle timeout as HTTP/1's keep-alive.
      const h2 = http2.createSecureServer({
        allowHTTP1: true,
        cert: o.defaultCert.cert,
        key: o.defaultCert.key,
        SNICallback: (name, cb) => cb(null, o.contextFor(name)),
        maxSessionMemory: 16,
        settings: { maxHeaderListSize: limits.maxHeaderBytes, maxConcurrentStreams: 128 },
        maxHeaderListPairs: 200,
      });
      h2.setTimeout(limits.keepAliveTimeoutMs + limits.headersTimeoutMs);
      h2.on('secureConnection', (sock: Socket) => {
        tlsSockets.add(sock);
        sock.once('close', () => tlsSockets.delete(sock));
      });
      // A broken session (a hostile frame, a reset) is that client's alone.
      h2.on('sessionError', () => undefined);
      server.https = h2;
      await listen(server.https, o.httpsPort, 'https');
    }
  } catch (e) {
    server.http?.close();
    server.https?.close();
    clearInterval(sweep);
    throw e;
  }
  const closeServer = (s: http.Server | http2.Http2SecureServer | undefined) =>
    new Promise<void>((resolve) => {
      if (!s) return resolve();
      s.close(() => resolve());
      if (s instanceof http.Server) s.closeAllConnections();
      else for (const sock of tlsSockets) sock.destroy();
    });
  return {
    httpPort: server.http ? (server.http.address() as AddressInfo).port : undefined,
    httpsPort: server.https ? (server.https.address() as AddressInfo).port : undefined,
    async close() {
      clearInterval(sweep);
      await Promise.all([closeServer(server.http), closeServer(server.https)]);
      await Promise.all([...pools.values()].map((p) => p.destroy()));
      pools.clear();
    },
  };
}
