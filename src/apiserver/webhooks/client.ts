// The one HTTPS client for every webhook the API server calls (admission and CRD conversion):
// POST a JSON review to the webhook's URL, or to an endpoint of its Service with the serving
// certificate checked for <service>.<namespace>.svc, trusting only the configuration's caBundle
// (the system roots when it has none). Bounded: a deadline for the whole call, a response size
// limit, no redirects followed, and every failure a WebhookCallError (never an unhandled throw).

import { request } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

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
  const ca = decodeCaBundle(caBundle);
  const payload = Buffer.from(JSON.stringify(body));
  const where = `Post ${JSON.stringify(target.url.href)}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: WebhookCallError | undefined, value?: unknown) => {
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
      ca,
      // Checked against the name the webhook is known by, not the address dialled (a Service's endpoint).
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(target.serverName, cert),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': payload.length, Host: target.url.host },
      agent: false,
    });
    const timer = setTimeout(() => finish(new WebhookCallError(`${where}: context deadline exceeded`, true)), timeoutMs);
    req.on('error', (e) => finish(new WebhookCallError(`${where}: ${e.message}`)));
    req.on('response', (res) => {
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
