// The one HTTPS client for every webhook the API server calls (admission and CRD conversion):
// POST a JSON review to the webhook's URL, or to an endpoint of its Service with the serving
// certificate checked for <service>.<namespace>.svc, trusting only the configuration's caBundle
// (the system roots when it has none). Bounded: a deadline for the whole call, a response size
// limit, no redirects followed, and every failure a WebhookCallError (never an unhandled throw).

import { createHash } from 'node:crypto';
import { Agent, type RequestOptions, request } from 'node:https';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';

export interface ServiceReference {
  namespace?: string;
  name?: string;
  path?: string;
  port?: number;
}

export interface WebhookClientConfig {
  url?: string;
  service?: ServiceReference;
  /** Base64 of PEM CA certificates. */
  caBundle?: string;
}

/** Where to send: the address to dial and the name the certificate must carry. */
export interface WebhookTarget {
  /** The URL as messages show it (https://name.ns.svc:443/path for a Service). */
  url: URL;
  /** Host (IP or name) and port to connect to. */
  host: string;
  port: number;
  /** The name (or IP) the serving certificate is checked for. */
  serverName: string;
}

/** Finds the address of a Service's webhook endpoint (service-resolver.ts); throws WebhookCallError. */
export type ServiceResolver = (svc: ServiceReference) => Promise<{ host: string; port: number }>;

/** Most TLS connections kept open to one webhook trust (caBundle). */
const MAX_SOCKETS_PER_TRUST = 32;
/** Different caBundles whose connection pools are kept; the least recently used go past it. */
const MAX_POOLS = 64;
/** Idle connections are closed after this long. */
const IDLE_MS = 30_000;

interface Pool {
  agent: Agent;
  secureContext?: SecureContext;
}
const pools = new Map<string, Pool>();

/**
 * Connections are kept alive and the trust store built once per caBundle: a TLS handshake and a
 * parsed CA per admission request would cost more than most webhooks take to answer.
 */
function poolFor(caBundle: string | undefined): Pool {
  const key = caBundle ? createHash('sha256').update(caBundle).digest('hex') : '';
  let pool = pools.get(key);
  if (pool) {
    pools.delete(key);
    pools.set(key, pool);
    return pool;
  }
  const ca = decodeCaBundle(caBundle);
  let secureContext: SecureContext | undefined;
  try {
    secureContext = ca ? createSecureContext({ ca }) : undefined;
  } catch (e) {
    throw new WebhookCallError(`the webhook caBundle cannot be used: ${(e as Error).message}`);
  }
  pool = { agent: new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_TRUST, maxFreeSockets: MAX_SOCKETS_PER_TRUST, timeout: IDLE_MS, scheduling: 'lifo' }), secureContext };
  pools.set(key, pool);
  if (pools.size > MAX_POOLS) {
    const [oldest, old] = pools.entries().next().value as [string, Pool];
    pools.delete(oldest);
    old.agent.destroy();
  }
  return pool;
}

/** Kubernetes' limit on a request body; a webhook's answer may not be larger. */
export const MAX_WEBHOOK_RESPONSE_BYTES = 3 * 1024 * 1024;

export class WebhookCallError extends Error {
  constructor(
    message: string,
    /** The deadline passed. */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'WebhookCallError';
  }
}

/** The target of a configuration; `timeoutSeconds` goes into the query as Kubernetes sends it. */
export async function targetOf(cc: WebhookClientConfig, resolve: ServiceResolver | undefined, timeoutSeconds?: number): Promise<WebhookTarget> {
  const suffix = timeoutSeconds ? `?timeout=${timeoutSeconds}s` : '';
  if (typeof cc.url === 'string') {
    let url: URL;
    try {
      url = new URL(cc.url + suffix);
    } catch {
      throw new WebhookCallError(`invalid webhook URL ${JSON.stringify(cc.url)}`);
    }
    if (url.protocol !== 'https:') throw new WebhookCallError(`webhook URL ${JSON.stringify(cc.url)} is not https`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return { url, host, port: Number(url.port || 443), serverName: host };
  }
  const svc = cc.service;
  if (!svc?.name || !svc.namespace) throw new WebhookCallError('webhook has neither a URL nor a service');
  if (!resolve) throw new WebhookCallError('webhook services cannot be resolved here');
  const serverName = `${svc.name}.${svc.namespace}.svc`;
  const port = svc.port ?? 443;
  const path = svc.path ?? '';
  const url = new URL(`https://${serverName}:${port}${path.startsWith('/') ? path : `/${path}`}${suffix}`);
  const at = await resolve(svc);
  return { url, host: at.host, port: at.port, serverName };
}

function decodeCaBundle(caBundle: string | undefined): string | undefined {
  if (!caBundle) return undefined;
  const pem = Buffer.from(caBundle, 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new WebhookCallError('the webhook caBundle holds no PEM certificate');
  return pem;
}

/**
 * POSTs `body` as JSON and returns the parsed JSON answer. Any failure (connection, TLS, deadline,
 * non-2xx status, oversized or unparseable body) is a WebhookCallError worded like Go's client:
 * `Post "https://...": <why>`.
 */
export async function postJson(target: WebhookTarget, caBundle: string | undefined, body: unknown, timeoutMs: number): Promise<unknown> {
  const pool = poolFor(caBundle);
  const payload = Buffer.from(JSON.stringify(body));
  const deadline = Date.now() + timeoutMs;
  try {
    return await postOnce(target, pool, payload, timeoutMs);
  } catch (e) {
    // A kept-alive connection the webhook closed meanwhile: tried once more on a new one, as Go's
    // client retries a request that never reached the server.
    if (e instanceof RetryableError && Date.now() < deadline) return postOnce(target, pool, payload, deadline - Date.now());
    throw e instanceof RetryableError ? e.cause : e;
  }
}

class RetryableError extends Error {
  constructor(override readonly cause: WebhookCallError) {
    super(cause.message);
  }
}

function postOnce(target: WebhookTarget, pool: Pool, payload: Buffer, timeoutMs: number): Promise<unknown> {
  const where = `Post ${JSON.stringify(target.url.href)}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let gotResponse = false;
    const finish = (err: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value);
    };
    const req = request({
      host: target.host,
      port: target.port,
      method: 'POST',
      path: target.url.pathname + target.url.search,
      servername: /^[0-9.]+$|:/.test(target.serverName) ? undefined : target.serverName,
      secureContext: pool.secureContext,
      // Checked against the name the webhook is known by, not the address dialled (a Service's endpoint).
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(target.serverName, cert),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': payload.length, Host: target.url.host },
      agent: pool.agent,
      // tls.connect takes a prepared secureContext; the https typings leave it out.
    } as RequestOptions);
    const timer = setTimeout(() => finish(new WebhookCallError(`${where}: context deadline exceeded`, true)), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      const err = new WebhookCallError(`${where}: ${e.message}`);
      finish(req.reusedSocket && !gotResponse && (e.code === 'ECONNRESET' || e.code === 'EPIPE') ? new RetryableError(err) : err);
    });
    req.on('response', (res) => {
      gotResponse = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_WEBHOOK_RESPONSE_BYTES) finish(new WebhookCallError(`${where}: the response is larger than ${MAX_WEBHOOK_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('error', (e) => finish(new WebhookCallError(`${where}: ${e.message}`)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          // Redirects are not followed: a webhook must answer where it is configured.
          const detail = text.length > 256 ? `${text.slice(0, 256)}...` : text;
          return finish(new WebhookCallError(`the server responded with the status code ${status} but did not return more information${detail ? ` (${JSON.stringify(detail)})` : ''}`));
        }
        try {
          finish(undefined, JSON.parse(text));
        } catch (e) {
          finish(new WebhookCallError(`the response is not JSON: ${(e as Error).message}`));
        }
      });
    });
    req.end(payload);
  });
}

/** targetOf then postJson. */
export async function callWebhook(cc: WebhookClientConfig, resolve: ServiceResolver | undefined, body: unknown, timeoutSeconds: number): Promise<unknown> {
  const target = await targetOf(cc, resolve, timeoutSeconds);
  return postJson(target, cc.caBundle, body, timeoutSeconds * 1000);
}
