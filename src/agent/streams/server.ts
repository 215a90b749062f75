// The node agent's "kubelet API" for streams, reached by the API server (never by users directly):
// container logs over plain HTTPS, exec/attach over WebSockets (channel protocol) or SPDY, and
// port-forward over SPDY (plain, or tunneled in a WebSocket). Every caller is authenticated and every
// path authorized as the kubelet's webhook mode does (auth.ts); the containers themselves are reached
// through the StreamTarget.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { logger, type Logger } from '../../util/log.js';
import { StreamTargetError, type StreamTarget } from './target.js';
import { errorCode, rejectUpgrade, sendStatus } from './http-util.js';
import { parseStreamPath, type StreamPath } from './request.js';
import { parseLogOptions } from './logs/options.js';
import { serveLogs } from './logs/serve.js';
import { pickChannelProtocol } from './channel/protocol.js';
import { startExec } from './exec.js';
import { PORTFORWARD_TUNNEL_PROTOCOL, servePortForward } from './portforward/serve.js';
import { websocketByteStream } from './portforward/ws-tunnel.js';
import { acceptSpdyUpgrade, isSpdyUpgrade } from './spdy/upgrade.js';
import { SpdySession } from './spdy/session.js';
import { serveSpdyExec } from './spdy-exec.js';
import { metrics } from '../../util/metrics.js';
import { websocketHandshakeError } from './websocket-handshake.js';
import { BadTarget, parseRequestTarget, preview } from '../../util/http/request-target.js';
import { cutSilentConnections, DEFAULT_READ_TIMEOUTS, readTimeoutOptions, type ReadTimeouts } from '../../util/http/server-timeouts.js';
import { limitConnections, type ConnectionLimits } from '../../util/http/connection-limits.js';
import type { StreamAuthorizer } from './auth.js';
import type { SecureContext, TLSSocket } from 'node:tls';
import { type KubeletStatsEndpoints, STATS_PATHS, serveStats } from './stats-endpoints.js';

/** Slow-client timeouts and connection caps; only the API server (and health checks) should ever connect. */
export type StreamServerLimits = ReadTimeouts & ConnectionLimits;
export const DEFAULT_STREAM_LIMITS: StreamServerLimits = { ...DEFAULT_READ_TIMEOUTS, maxConnections: 4096, maxConnectionsPerIP: 2048 };

export interface StreamServerOptions {
  host?: string;
  port: number;
  /**
   * The serving certificate, or a certificate per TLS server name (one process serving the
   * endpoints of many simulated nodes, each under its node's name); either way client certificates
   * are checked against clientCA.
   */
  tls: { cert: string; key: string; clientCA: string } | { clientCA: string; sni: (serverName: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void };
  target: StreamTarget;
  /** Who may call which path (the API server's certificate; token holders the API vouches for). */
  auth: StreamAuthorizer;
  log?: Logger;
  limits?: Partial<StreamServerLimits>;
  /** /metrics/resource, /metrics/cadvisor and /stats/summary (absent: 404, as before). */
  stats?: KubeletStatsEndpoints;
}

export interface StreamServer {
  port: number;
  close(): Promise<void>;
  /** Serve a renewed certificate from now on (new connections; open ones keep theirs). */
  setServingCertificate(cert: string, key: string): void;
  /** Check client certificates against a new CA bundle from the next handshake on (a CA rotation). */
  setClientCA(ca: string): void;
}

export async function startStreamServer(o: StreamServerOptions): Promise<StreamServer> {
  const log = o.log ?? logger('agent-streams');
  const upgraded = new Set<Duplex>();
  const channelWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => pickChannelProtocol(offered) });
  const tunnelWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => (offered.has(PORTFORWARD_TUNNEL_PROTOCOL) ? PORTFORWARD_TUNNEL_PROTOCOL : false) });

  const limits = { ...DEFAULT_STREAM_LIMITS, ...o.limits };
  // Header and body timeouts end once a request is in: a followed log or an exec stream is never cut by them.
  const identity = 'sni' in o.tls ? { SNICallback: o.tls.sni } : { cert: o.tls.cert, key: o.tls.key };
  // What setSecureContext is given again when either the certificate or the client CA changes.
  let identityNow: { cert?: string; key?: string } = 'sni' in o.tls ? {} : { cert: o.tls.cert, key: o.tls.key };
  let clientCA = o.tls.clientCA;
  const server = https.createServer({ ...identity, ca: o.tls.clientCA, requestCert: true, rejectUnauthorized: false, ...readTimeoutOptions(limits) }, (req, res) => void handleRequest(req, res).catch((e) => lastResort(req, e, () => sendStatus(res, 500, 'internal error'))));
  limitConnections(server, limits);
  cutSilentConnections(server, limits.headerTimeoutMs);
  // Every raw connection, so close ends them all: closeAllConnections misses one still in its TLS
  // handshake (its SNI callback waiting on a serving certificate), which then held close for as long
  // as the client kept it alive.
  const connections = new Set<Duplex>();
  server.on('connection', (socket: Duplex) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Connections whose client certificate did not verify: a kept-alive one would go on being refused
  // (its handshake is not made again) after setClientCA brought the CA that signed it.
  const unverified = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.authorized || Object.keys(socket.getPeerCertificate() ?? {}).length === 0) return;
    unverified.add(socket);
    socket.once('close', () => unverified.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => {});
    void handleUpgrade(req, socket, head)
      .catch((e) => {
        const { code, message } = errorCode(e);
        if (code >= 500) log.warn('stream upgrade failed', { path: preview(req.url ?? ''), err: e });
        if (socket.writable) rejectUpgrade(socket, code, message);
      })
      .catch((e) => lastResort(req, e, () => socket.destroy()));
  });

  // CONNECT is not served here; without this listener Node would drop the connection unanswered.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    rejectUpgrade(socket, 405, `the agent does not serve ${req.method}`);
  });

  /** An error that escaped a handler (a bug): one log line and an answer, never a crash of the process that runs the node's pods. */
  function lastResort(req: IncomingMessage, e: unknown, answer: () => void) {
    log.error('unexpected error serving a stream request', { method: req.method, path: preview(req.url ?? ''), err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    try {
      answer();
    } catch {
      req.socket.destroy();
    }
  }

  /** The request's URL, or a 400 for a target that does not parse (checked before authentication, so it must never throw). */
  const targetOf = (req: IncomingMessage): URL => {
    try {
      return parseRequestTarget(req.url);
    } catch (e) {
      if (e instanceof BadTarget) throw new StreamTargetError(400, e.message);
      throw e;
    }
  };

  async function handleRequest(req: IncomingMessage, res: ServerResponse) {
    let path = '';
    try {
      const url = targetOf(req);
      path = url.pathname;
      if (url.pathname === '/healthz') return void res.end('ok');
      const allowed = await o.auth.check(req, url.pathname);
      if (!allowed.ok) return sendStatus(res, allowed.code, allowed.message);
      // As the kubelet: a worker's own process metrics (event-loop lag, memory...), for cluster admins.
      if (url.pathname === '/metrics') {
        const extra = (await o.stats?.kubeletMetrics?.(req).catch(() => '')) ?? '';
        return void res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render() + extra);
      }
      if (o.stats && STATS_PATHS.has(url.pathname)) return await serveStats(url, req, res, o.stats);
      const p = parseStreamPath(url.pathname);
      if (!p) return sendStatus(res, 404, `the agent does not serve ${url.pathname}`);
      if (p.kind !== 'containerLogs') return sendStatus(res, 400, `${p.kind} needs an upgrade to a streaming protocol (WebSocket or SPDY/3.1)`);
      if (req.method !== 'GET') return sendStatus(res, 405, 'container logs are read with GET');
      const opts = parseLogOptions(url.searchParams);
      const files = await o.target.logs(p.namespace, p.pod, p.container!, opts.previous);
      const closed = new AbortController();
      res.once('close', () => closed.abort());
      await serveLogs(res, files, opts, closed.signal);
    } catch (e) {
      const { code, message } = errorCode(e);
      if (code >= 500) log.warn('stream request failed', { path: preview(path), err: e });
      sendStatus(res, code, message);
    }
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = targetOf(req);
    const allowed = await o.auth.check(req, url.pathname);
    if (!allowed.ok) return rejectUpgrade(socket, allowed.code, allowed.message);
    const p = parseStreamPath(url.pathname);
    if (!p || p.kind === 'containerLogs') return rejectUpgrade(socket, 404, `the agent does not stream ${url.pathname}`);
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!websocket && !isSpdyUpgrade(req)) return rejectUpgrade(socket, 400, `unsupported upgrade "${req.headers.upgrade ?? ''}": use WebSocket or SPDY/3.1`);
    const bad = websocket ? websocketHandshakeError(req) : undefined;
    if (bad) return rejectUpgrade(socket, bad.code, bad.message);
    if (p.kind === 'portForward') {
      // A target that refuses port-forward for this pod says so before the upgrade: a plain HTTP error the client shows at once.
      await o.target.checkPortForward?.(p.namespace, p.pod);
      return portForward(p, req, socket, head, websocket);
    }
    // exec / attach: start the process first, so failures are plain HTTP errors the client shows.
    const exec = await startExec(o.target, p, url.searchParams);
    if (websocket) {
      channelWss.handleUpgrade(req, socket, head, (ws) => {
        log.debug('exec stream open', { pod: `${p.namespace}/${p.pod}`, container: p.container, protocol: ws.protocol });
        void exec.bridge(ws, ws.protocol as never).catch((e) => log.warn('exec stream failed', { err: e }));
      });
    } else {
      const conn = acceptSpdyUpgrade(req, socket, head, ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
      if (conn) void serveSpdyExec(conn.session, conn.protocol, exec).catch((e) => log.warn('exec stream failed', { err: e }));
      else exec.session.kill();
    }
  }

  function portForward(p: StreamPath, req: IncomingMessage, socket: Duplex, head: Buffer, websocket: boolean) {
    const dial = (port: number) => o.target.portForward(p.namespace, p.pod, port);
    if (websocket) {
      tunnelWss.handleUpgrade(req, socket, head, (ws) => {
        if (ws.protocol !== PORTFORWARD_TUNNEL_PROTOCOL) return ws.close(1002, `port-forward over WebSockets needs the ${PORTFORWARD_TUNNEL_PROTOCOL} sub-protocol`);
        void servePortForward(new SpdySession(websocketByteStream(ws)), dial, log).catch((e) => log.warn('port-forward failed', { err: e }));
      });
      return;
    }
    const conn = acceptSpdyUpgrade(req, socket, head, ['portforward.k8s.io']);
    if (conn) void servePortForward(conn.session, dial, log).catch((e) => log.warn('port-forward failed', { err: e }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info('stream server listening', { port });
  return {
    port,
    setServingCertificate: (cert, key) => {
      identityNow = { cert, key };
      server.setSecureContext({ ...identityNow, ca: clientCA });
    },
    setClientCA: (ca) => {
      clientCA = ca;
      server.setSecureContext({ ...identityNow, ca: clientCA });
      // Refused with the old CAs: cut, so the client connects again and is checked against the new ones.
      for (const s of unverified) s.destroy();
      unverified.clear();
    },
    close: async () => {
      for (const s of upgraded) s.destroy();
      for (const ws of [...channelWss.clients, ...tunnelWss.clients]) ws.terminate();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      for (const s of connections) s.destroy();
      await closed;
    },
  };
}
