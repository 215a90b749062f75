// A real HTTPS webhook server for tests, on 127.0.0.1 with a certificate from a test CA (for
// 127.0.0.1 and any DNS names asked for). The handler gets each parsed request body and answers
// with a JSON value, or takes the raw response over for garbage, slowness and errors.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CertPair, createCa, issueCert } from '../../src/cli/pki.js';

export type WebhookHandler = (path: string, body: any, res: ServerResponse, req: IncomingMessage) => unknown | Promise<unknown>;

export interface TestWebhookServer {
  url(path: string): string;
  port: number;
  ca: CertPair;
  /** The CA as a webhook configuration's caBundle (base64 PEM). */
  caBundle: string;
  /** Every request body received, in order. */
  received: { path: string; body: any }[];
  handler: WebhookHandler;
  close(): Promise<void>;
}

/** A handler's answer that says "I already wrote the response". */
export const HANDLED = Symbol('handled');

export async function startWebhookServer(handler: WebhookHandler, o: { dnsNames?: string[]; ca?: CertPair } = {}): Promise<TestWebhookServer> {
  const ca = o.ca ?? (await createCa('webhook-test-ca'));
  const cert = await issueCert(ca, { commonName: 'webhook', dnsNames: o.dnsNames ?? [], ips: ['127.0.0.1'], usage: 'server' });
  const s: TestWebhookServer = {
    url: (path) => `https://127.0.0.1:${s.port}${path}`,
    port: 0,
    ca,
    caBundle: Buffer.from(ca.cert).toString('base64'),
    received: [],
    handler,
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      s.received.push({ path: req.url ?? '', body });
      try {
        const out = await s.handler(req.url ?? '', body, res, req);
        if (out === HANDLED || res.headersSent || res.writableEnded) return;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(out));
      } catch (e) {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  s.port = (server.address() as AddressInfo).port;
  server.unref();
  // Keep-alive sockets would hold close() open.
  const close = s.close;
  s.close = () => {
    server.closeAllConnections();
    return close();
  };
  return s;
}

/** An AdmissionReview v1 answer. */
export function reviewResponse(body: any, response: Record<string, unknown>) {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: body?.request?.uid, ...response } };
}

/** A JSON patch as a webhook sends it. */
export const patchOf = (ops: unknown[]) => ({ patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });
