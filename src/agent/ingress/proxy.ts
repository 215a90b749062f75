// The ingress data plane: Node's http server (plain HTTP) and http2 secure server (HTTP/2 and
// HTTP/1.1 on TLS) in front of the routing table. Each request is
// routed by Host and path, redirected to HTTPS when its host has TLS, and sent straight to one of the
// Service's pods (round robin) over kept-alive connections. Connection refusals (a pod going away)
// and stale kept-alive sockets are retried on the next pod; that is safe because request bodies are
// buffered first, bounded as ingress-nginx's client_max_body_size. Responses stream through as they
// come (server-sent events, long downloads); WebSocket upgrades are spliced to the pod.
//
// Hostile input is bounded: header size and count, body size, header and idle timeouts; a bad
// request is answered, never thrown.

import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
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
const RETRYABLE_CONNECT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'GIFEE_CONNECT_TIMEOUT']);

/** The request headers the proxy sets itself (the client's are not trusted) or drops. */
const SET_BY_PROXY = new Set([...HOP_BY_HOP, 'host', 'content-length', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port']);
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

export async function startIngressProxy(o: ProxyOptions): Promise<IngressProxy> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const log = o.log;
  const metrics = ingressMetrics();
  // One pool of kept-alive connections to the pods (keyed by address by Node), reused LIFO so the
  // warm ones stay warm; no cap on sockets per pod (the client connections are the bound).
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 1024, scheduling: 'lifo' });
  // Round-robin position per backend of the current routing table (a recompiled table starts anew).
  const rr = new WeakMap<object, number>();
  // Metric series by rule host (and status): label keys made once, not per request. Rule hosts and
  // three-digit statuses bound them.
  const requestSeries = new Map<string, () => void>();
  const durationSeries = new Map<string, (seconds: number) => void>();
  const countRequest = (host: string, status: number) => {
    const k = `${status} ${host}`;
    let inc = requestSeries.get(k);
    if (!inc) requestSeries.set(k, (inc = metrics.requests.series({ host, status: String(status) })));
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

  /**
   * The pod's request headers, as a flat [name, value, ...] list (Node writes it as is, without an
   * object per request): the client's end-to-end headers in their order (HTTP/1: duplicates as sent),
   * then Host and the X-Forwarded-* set by the proxy, a Content-Length when the body is buffered.
   */
  const forwardedHeaders = (req: http.IncomingMessage, scheme: 'http' | 'https', port: number, contentLength: number | undefined): string[] => {
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
  };

  /** The pod's response headers for the client: end-to-end ones only, as a flat list for HTTP/1, an object for HTTP/2. */
  const responseHeaders = (req: http.IncomingMessage, upRes: http.IncomingMessage): http.OutgoingHttpHeaders | string[] => {
    const connTokens = connectionTokens(upRes.headers.connection);
    if (isHttp2(req)) {
      const outHeaders: http.OutgoingHttpHeaders = {};
      for (const k in upRes.headers) {
        const v = upRes.headers[k];
        if (v === undefined || HOP_BY_HOP.has(k) || connTokens.has(k)) continue;
        outHeaders[k] = v;
      }
      return outHeaders;
    }
    const raw = upRes.rawHeaders;
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i].toLowerCase();
      if (HOP_BY_HOP.has(k) || connTokens.has(k)) continue;
      out.push(raw[i], raw[i + 1]);
    }
    return out;
  };

  const readBody = (req: http.IncomingMessage): Promise<Buffer | undefined> => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limits.maxBodyBytes) return Promise.reject(new ProxyError(413, 'Request Entity Too Large', 'body_too_large'));
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve(undefined);
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

  /** One attempt against one pod; resolves with its response head, rejects on connect/stream errors. */
  const attempt = (u: Upstream, req: http.IncomingMessage, headers: string[], body: Buffer | undefined) =>
    new Promise<{ upReq: http.ClientRequest; upRes: http.IncomingMessage }>((resolve, reject) => {
      const upReq = http.request({ host: u.ip, port: u.port, method: req.method, path: req.url, headers, agent });
      let connectTimer: NodeJS.Timeout | undefined;
      upReq.on('socket', (s) => {
        if (!s.connecting) return;
        connectTimer = setTimeout(() => upReq.destroy(Object.assign(new Error('connect timeout'), { code: 'GIFEE_CONNECT_TIMEOUT' })), limits.connectTimeoutMs);
        s.once('connect', () => clearTimeout(connectTimer));
      });
      upReq.setTimeout(limits.readTimeoutMs, () => upReq.destroy(Object.assign(new Error('upstream timed out'), { code: 'GIFEE_READ_TIMEOUT' })));
      upReq.once('response', (upRes) => {
        clearTimeout(connectTimer);
        resolve({ upReq, upRes });
      });
      upReq.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        reject(Object.assign(e, { reusedSocket: upReq.reusedSocket }));
      });
      upReq.end(body);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, scheme: 'http' | 'https', port: number) => {
    const started = performance.now();
    let route: Route | undefined;
    let status = 0;
    let upstreamAddr = '-';
    try {
      const url = req.url ?? '/';
      if (!url.startsWith('/')) throw new ProxyError(400, 'Bad Request', 'bad_request');
      const host = hostOfHeader(hostHeaderOf(req));
      if (host === undefined) throw new ProxyError(400, 'Bad Request', 'bad_host');
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const state = o.state();
      route = lookupRoute(state.table, host, path);
      if (!route) throw new ProxyError(404, 'default backend - 404', 'no_route');
      if (scheme === 'http' && route.sslRedirect) {
        const httpsPort = server.https ? (server.https.address() as AddressInfo).port : 443;
        status = 308;
        res.writeHead(308, { location: `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${url}`, 'content-type': 'text/html', 'content-length': '0' });
        res.end();
        return;
      }
      const list = state.upstreams.get(route.backend);
      if (list.length === 0) throw new ProxyError(503, 'Service Temporarily Unavailable', 'no_endpoints');
      const body = await readBody(req);
      const headers = forwardedHeaders(req, scheme, port, body?.length);
      const tried: Upstream[] = [];
      let result: { upReq: http.ClientRequest; upRes: http.IncomingMessage } | undefined;
      for (let i = 0; i < Math.max(limits.tries, 1) && !result; i++) {
        const u = pick(route, list, tried);
        if (!u) break;
        tried.push(u);
        upstreamAddr = `${u.ip}:${u.port}`;
        try {
          result = await attempt(u, req, headers, body);
        } catch (e) {
          const err = e as NodeJS.ErrnoException & { reusedSocket?: boolean };
          const code = err.code ?? '';
          // A refused or never-made connection means the pod saw nothing: try the next one. A reset on
          // a reused kept-alive socket means the pod had closed it: the same holds.
          const retry = code === 'ECONNRESET' ? err.reusedSocket : RETRYABLE_CONNECT.has(code);
          metrics.upstreamErrors.inc({ host: route.host || '_', reason: code || 'error' });
          if (res.destroyed) return;
          if (!retry || i + 1 >= limits.tries) {
            if (code === 'GIFEE_READ_TIMEOUT' || code === 'GIFEE_CONNECT_TIMEOUT') throw new ProxyError(504, 'Gateway Timeout', 'timeout');
            throw new ProxyError(502, 'Bad Gateway', 'upstream_error');
          }
        }
      }
      if (!result) throw new ProxyError(502, 'Bad Gateway', 'upstream_error');
      const { upReq, upRes } = result;
      status = upRes.statusCode ?? 502;
      const outHeaders = responseHeaders(req, upRes);
      // The client going away stops the pod's response.
      res.on('close', () => {
        if (!upRes.complete) upReq.destroy();
      });
      const declared = Number(upRes.headers['content-length']);
      // (HEAD answers and 204/304 declare a length they do not carry.)
      if (declared <= SMALL_BODY_BYTES && req.method !== 'HEAD' && status !== 204 && status !== 304) {
        // A small body of known length goes out with the head in one write (most API answers):
        // fewer syscalls per request. Everything else is streamed as it comes.
        const body = await new Promise<Buffer | undefined>((resolve) => {
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
          upRes.on('error', () => resolve(undefined));
          upRes.on('aborted', () => resolve(undefined));
        });
        if (body === undefined || body.length !== declared) return void res.destroy();
        writeHead(req, res, status, upRes.statusMessage, outHeaders);
        res.end(body);
        return;
      }
      writeHead(req, res, status, upRes.statusMessage, outHeaders);
      await new Promise<void>((resolve) => {
        upRes.on('data', (c) => {
          if (!res.write(c)) {
            upRes.pause();
            res.once('drain', () => upRes.resume());
          }
        });
        upRes.on('end', () => {
          res.end();
          resolve();
        });
        upRes.on('error', () => {
          res.destroy();
          resolve();
        });
        upRes.on('aborted', () => {
          res.destroy();
          resolve();
        });
        res.on('close', resolve);
      });
    } catch (e) {
      const pe = e instanceof ProxyError ? e : new ProxyError(500, 'Internal Server Error', 'internal');
      if (!(e instanceof ProxyError)) log.warn('ingress request failed', { err: e });
      status = pe.status;
      if (!res.headersSent && !res.destroyed) {
        const text = `${pe.status} ${pe.message}\n`;
        // HTTP/2 has no Connection header (a 413 there ends only its stream).
        const close = pe.status === 413 && !isHttp2(req) ? { connection: 'close' } : {};
        res.writeHead(pe.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...close });
        res.end(text);
      } else res.destroy();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const host = route ? route.host || '_' : '_';
      countRequest(host, status);
      observeDuration(host, seconds);
      // (Its fields are made only when the line is written: not at GIFEE_LOG=warn.)
      if (o.accessLog && levelEnabled('info'))
        o.accessLog.info('request', { client: req.socket.remoteAddress, method: req.method, host: hostHeaderOf(req)?.slice(0, 256), proto: req.httpVersion, path: req.url?.slice(0, 256), status, seconds: Math.round(seconds * 1e6) / 1e6, upstream: upstreamAddr, ingress: route?.ingress });
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
    agent.destroy();
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
      await Promise.all([closeServer(server.http), closeServer(server.https)]);
      agent.destroy();
    },
  };
}
