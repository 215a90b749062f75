// The webhook client against a real HTTPS server on 127.0.0.1: trust only in the caBundle, the
// name checked, deadlines, no redirects, bounded and unparseable answers, and the Service form.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HANDLED, startWebhookServer, type TestWebhookServer } from '../../../test/helpers/webhook-server.js';
import { callWebhook, MAX_WEBHOOK_RESPONSE_BYTES, WebhookCallError } from './client.js';

let server: TestWebhookServer;
let other: TestWebhookServer;
before(async () => {
  server = await startWebhookServer(() => ({ ok: true }), { dnsNames: ['hooks.webhooks.svc'] });
  other = await startWebhookServer(() => ({ ok: true }));
});
after(async () => {
  await server.close();
  await other.close();
});

test('posts JSON and returns the answer; the timeout goes into the query', async () => {
  server.handler = (path, body) => ({ path, echo: body });
  const out = (await callWebhook({ url: server.url('/validate'), caBundle: server.caBundle }, undefined, { hello: 1 }, 5)) as { path: string; echo: unknown };
  assert.equal(out.path, '/validate?timeout=5s');
  assert.deepEqual(out.echo, { hello: 1 });
});

test('trusts only the caBundle', async () => {
  server.handler = () => ({});
  await assert.rejects(callWebhook({ url: server.url('/'), caBundle: other.caBundle }, undefined, {}, 5), (e: Error) => e instanceof WebhookCallError && /Post "https:\/\/127\.0\.0\.1:\d+\/\?timeout=5s": .*(certificate|self.signed|issuer)/i.test(e.message));
  await assert.rejects(callWebhook({ url: server.url('/'), caBundle: Buffer.from('not pem').toString('base64') }, undefined, {}, 5), /no PEM certificate/);
});

test('deadline, refused connection, redirects, status codes, garbage and oversized answers', async () => {
  const cc = { url: server.url('/'), caBundle: server.caBundle };
  server.handler = () => new Promise(() => {});
  const t0 = Date.now();
  await assert.rejects(callWebhook(cc, undefined, {}, 1), (e: WebhookCallError) => e.timedOut && /context deadline exceeded/.test(e.message));
  assert.ok(Date.now() - t0 < 3000);
  server.handler = (_p, _b, res) => {
    res.writeHead(302, { Location: 'https://127.0.0.1:1/' }).end();
    return HANDLED;
  };
  await assert.rejects(callWebhook(cc, undefined, {}, 5), /status code 302/);
  server.handler = (_p, _b, res) => {
    res.writeHead(500).end('boom');
    return HANDLED;
  };
  await assert.rejects(callWebhook(cc, undefined, {}, 5), /status code 500.*boom/);
  server.handler = (_p, _b, res) => {
    res.writeHead(200).end('{not json');
    return HANDLED;
  };
  await assert.rejects(callWebhook(cc, undefined, {}, 5), /not JSON/);
  server.handler = (_p, _b, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let n = 0; n <= MAX_WEBHOOK_RESPONSE_BYTES / chunk.length + 1 && !res.destroyed; n++) res.write(chunk);
    res.end();
    return HANDLED;
  };
  await assert.rejects(callWebhook(cc, undefined, {}, 5), /larger than/);
  await assert.rejects(callWebhook({ url: 'https://127.0.0.1:1/', caBundle: server.caBundle }, undefined, {}, 5), /ECONNREFUSED/);
  await assert.rejects(callWebhook({ url: 'http://127.0.0.1:1/' }, undefined, {}, 5), /not https/);
});

test('the Service form: dials the endpoint, checks the certificate for <svc>.<ns>.svc', async () => {
  server.handler = (path) => ({ path });
  const resolve = async () => ({ host: '127.0.0.1', port: server.port });
  const out = await callWebhook({ service: { namespace: 'webhooks', name: 'hooks', path: '/mutate', port: 443 }, caBundle: server.caBundle }, resolve, {}, 5);
  assert.deepEqual(out, { path: '/mutate?timeout=5s' });
  // The certificate does not name other.webhooks.svc.
  await assert.rejects(callWebhook({ service: { namespace: 'webhooks', name: 'other', port: 443 }, caBundle: server.caBundle }, resolve, {}, 5), /other\.webhooks\.svc/);
  await assert.rejects(callWebhook({ service: { namespace: 'webhooks', name: 'hooks' } }, undefined, {}, 5), /cannot be resolved/);
});
