// Proxies an authenticated, authorized request to an extension API server, as kube-aggregator
// does: over HTTPS, checking the serving certificate against the APIService's caBundle for
// <service>.<namespace>.svc, presenting the front-proxy client certificate, with the user in the
// requestheader headers. Responses (watch streams included) are piped through as they come;
// Upgrade requests (exec-like streams, WebSockets) are relayed byte for byte once the extension
// server switches protocols. Dial and response-header waits are bounded; an extension server that
// fails, hangs or answers garbage gets the client a 503 Status, never a crash or a stuck request.

import https from 'node:https';
import tls from 'node:tls';
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import type { APIService } from '../../api/kinds/apiregistration/apiservice.js';
import type { UserInfo } from '../context.js';
import type { Target } from '../services/resolve-endpoint.js';
import { relayUpgraded } from '../../util/http/relay.js';
import { forwardedHeaders, returnedHeaders, type IdentityHeaderNames } from './proxy-headers.js';

export interface ProxyClient {
  /** The front-proxy client certificate (--proxy-client-cert-file / --proxy-client-key-file). */
  cert?: string;
  key?: string;
  headers: IdentityHeaderNames;
  /** Keeps connections to extension servers open between requests (pools are per host, port, CA, certificate and server name); none: a connection per request. */
  agent?: https.Agent;
  /** Default RESPONSE_HEADER_TIMEOUT_MS (tests shorten it). */
  responseHeaderTimeoutMs?: number;
}

/** From dialling to the response's headers, at most (the request deadline bounds ordinary requests as a whole). */
export const RESPONSE_HEADER_TIMEOUT_MS = 30_000;
/** Response headers bigger than this are refused (Node's default is 16 KiB too, stated here on purpose). */
const MAX_HEADER_SIZE = 16 * 1024;

export const unreachable = (why: string) => new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${why}`);

/** TLS settings to reach an APIService's server at target. */
export function tlsOptions(a: APIService, target: Target, client: Pick<ProxyClient, 'cert' | 'key'>): tls.ConnectionOptions {
  const caBundle = typeof a.spec?.caBundle === 'string' && a.spec.caBundle ? Buffer.from(a.spec.caBundle, 'base64').toString('utf8') : undefined;
  const insecure = a.spec?.insecureSkipTLSVerify === true;
  return {
    ...(client.cert && client.key ? { cert: client.cert, key: client.key } : {}),
    ...(caBundle ? { ca: caBundle } : {}),
    rejectUnauthorized: !insecure,
    ...(isIP(target.serverName) ? {} : { servername: target.serverName }),
    checkServerIdentity: (_host, cert) => (insecure ? undefined : tls.checkServerIdentity(target.serverName, cert)),
  };
}

/** Sends the request on and its answer back; resolves once the response is piped (or failed). */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, path: string, a: APIService, target: Target, user: UserInfo, client: ProxyClient): Promise<void> {
  if (req.headers.upgrade) return proxyUpgrade(req, res, path, a, target, user, client);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(e instanceof ApiError ? e : unreachable(e instanceof Error ? e.message : String(e)));
    };
    const up = https.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path,
      headers: { ...forwardedHeaders(req.rawHeaders, user, client.headers), host: `${target.serverName}:${target.port}` },
      agent: client.agent ?? false,
      maxHeaderSize: MAX_HEADER_SIZE,
      ...tlsOptions(a, target, client),
    });
    const waitMs = client.responseHeaderTimeoutMs ?? RESPONSE_HEADER_TIMEOUT_MS;
    const timer = setTimeout(() => up.destroy(new Error(`no response from ${target.serverName} within ${waitMs / 1000}s`)), waitMs);
    up.on('error', (e) => {
      clearTimeout(timer);
      if (!settled) return fail(e);
      // Mid-stream: the status is out, so the client's connection is cut (a watch client re-lists).
      res.destroy();
    });
    up.on('response', (upRes) => {
      clearTimeout(timer);
      settled = true;
      try {
        res.writeHead(upRes.statusCode ?? 502, returnedHeaders(upRes.rawHeaders));
      } catch (e) {
        upRes.destroy();
        reject(unreachable(`bad response headers: ${(e as Error).message}`));
        return;
      }
      // Streams (watches) go as they come: flush each chunk rather than buffering.
      res.flushHeaders();
      upRes.on('error', () => res.destroy());
      upRes.pipe(res);
      upRes.once('end', () => resolve());
      res.once('close', () => {
        upRes.destroy();
        resolve();
      });
    });
    // The client going away ends the upstream request too.
    res.once('close', () => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        up.destroy();
        resolve();
      }
    });
    req.pipe(up);
  });
}

/** Upgrade requests: the raw request is written on a TLS connection to the server, then both sockets are piped. */
function proxyUpgrade(req: IncomingMessage, res: ServerResponse, path: string, a: APIService, target: Target, user: UserInfo, client: ProxyClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const up = tls.connect({ host: target.host, port: target.port, ...tlsOptions(a, target, client) });
    const timer = setTimeout(() => up.destroy(new Error(`timed out connecting to ${target.serverName}`)), client.responseHeaderTimeoutMs ?? RESPONSE_HEADER_TIMEOUT_MS);
    up.once('error', (e) => {
      clearTimeout(timer);
      reject(unreachable(e.message));
    });
    up.once('secureConnect', () => {
      clearTimeout(timer);
      up.removeAllListeners('error');
      const headers = { ...forwardedHeaders(req.rawHeaders, user, client.headers, true), host: `${target.serverName}:${target.port}` };
      const lines = [`${req.method} ${path} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [String(v)]) lines.push(`${k}: ${one}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      res.detachSocket(req.socket);
      relayUpgraded(req.socket as Duplex, up);
      // The request is handled: the relay lives on its own (no in-flight slot or deadline holds it).
      resolve();
    });
  });
}
