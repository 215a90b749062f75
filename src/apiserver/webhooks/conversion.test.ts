// convertViaWebhook against a real HTTPS conversion webhook on 127.0.0.1.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWebhookServer, type TestWebhookServer } from '../../../test/helpers/webhook-server.js';
import { convertViaWebhook, setConversionServiceResolver } from './conversion.js';

let server: TestWebhookServer;
before(async () => {
  server = await startWebhookServer(() => ({}), { dnsNames: ['crontab-conversion.webhooks.svc'] });
});
after(() => server.close());

const objs = [
  { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a', namespace: 'default', uid: 'u1', labels: { x: '1' } }, spec: { cronSpec: '* * * * *' } },
  { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'b', namespace: 'default', uid: 'u2' }, spec: { cronSpec: '*/5 * * * *' } },
];

/** A well-behaved converter: v1 spec.cronSpec becomes v2 spec.schedule. */
const converter = (_p: string, body: any) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'ConversionReview',
  response: {
    uid: body.request.uid,
    result: { status: 'Success' },
    convertedObjects: body.request.objects.map((o: any) => ({ ...o, apiVersion: body.request.desiredAPIVersion, spec: { schedule: o.spec.cronSpec } })),
  },
});

test('converts, in order, with a ConversionReview v1', async () => {
  server.handler = converter;
  const cc = { url: server.url('/convert'), caBundle: server.caBundle };
  const out = await convertViaWebhook(cc, objs, 'stable.example.com/v2');
  assert.deepEqual(
    out.map((o) => [o.apiVersion, o.metadata?.name, (o as any).spec.schedule]),
    [
      ['stable.example.com/v2', 'a', '* * * * *'],
      ['stable.example.com/v2', 'b', '*/5 * * * *'],
    ],
  );
  const sent = server.received.at(-1)!.body;
  assert.equal(sent.apiVersion, 'apiextensions.k8s.io/v1');
  assert.equal(sent.kind, 'ConversionReview');
  assert.equal(sent.request.desiredAPIVersion, 'stable.example.com/v2');
  assert.equal(sent.request.objects.length, 2);
  assert.deepEqual(await convertViaWebhook(cc, [], 'stable.example.com/v2'), []);
});

test('metadata: labels and annotations may change, the rest is restored', async () => {
  server.handler = (p, body) => {
    const r = converter(p, body);
    r.response.convertedObjects = r.response.convertedObjects.map((o: any) => ({ ...o, metadata: { ...o.metadata, name: 'renamed', uid: 'x', labels: { y: '2' }, annotations: { note: 'v2' } } }));
    return r;
  };
  const [a] = await convertViaWebhook({ url: server.url('/convert'), caBundle: server.caBundle }, [objs[0]], 'stable.example.com/v2');
  assert.deepEqual(a.metadata, { name: 'a', namespace: 'default', uid: 'u1', labels: { y: '2' }, annotations: { note: 'v2' } });
});

test('bad answers are refused with Kubernetes-like messages', async () => {
  const cc = { url: server.url('/convert'), caBundle: server.caBundle };
  const bad = async (handler: (p: string, b: any) => unknown, re: RegExp) => {
    server.handler = handler;
    await assert.rejects(convertViaWebhook(cc, objs, 'stable.example.com/v2'), (e: Error) => e.name === 'ConversionError' && /^conversion webhook for stable.example.com\/v1, Kind=CronTab failed: /.test(e.message) && re.test(e.message));
  };
  await bad(() => 'garbage', /expected webhook response of apiextensions.k8s.io\/v1, Kind=ConversionReview/);
  await bad(() => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview' }), /no response provided/);
  await bad((p, b) => ({ ...converter(p, b), response: { ...converter(p, b).response, uid: 'nope' } }), /expected response.uid=/);
  await bad((_p, b) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: b.request.uid, result: { status: 'Failure', message: 'cannot convert' } } }), /conversion request failed: cannot convert/);
  await bad((p, b) => {
    const r = converter(p, b);
    r.response.convertedObjects.pop();
    return r;
  }, /expected 2 converted objects, got 1/);
  await bad((p, b) => {
    const r = converter(p, b);
    r.response.convertedObjects[1].apiVersion = 'stable.example.com/v1';
    return r;
  }, /index 1: invalid apiVersion/);
  await bad((p, b) => {
    const r = converter(p, b);
    r.response.convertedObjects[0].kind = 'Other';
    return r;
  }, /index 0: invalid kind "Other"/);
  await bad((p, b) => {
    const r = converter(p, b);
    r.response.convertedObjects[0].metadata.labels = { x: 1 };
    return r;
  }, /metadata.labels must be a map of strings/);
  await assert.rejects(convertViaWebhook({ url: 'https://127.0.0.1:1/convert', caBundle: server.caBundle }, objs, 'stable.example.com/v2'), /ECONNREFUSED/);
});

test('a webhook that speaks only v1beta1 gets and must answer a ConversionReview v1beta1', async () => {
  server.handler = (p, body: any) => ({ ...(converter(p, body) as object), apiVersion: body.apiVersion });
  const cc = { url: server.url('/convert'), caBundle: server.caBundle };
  const [a] = await convertViaWebhook(cc, [objs[0]], 'stable.example.com/v2', { reviewVersion: 'v1beta1' });
  assert.equal(a.apiVersion, 'stable.example.com/v2');
  assert.equal((server.received.at(-1)!.body as any).apiVersion, 'apiextensions.k8s.io/v1beta1');
  server.handler = converter; // answers v1 to a v1beta1 review
  await assert.rejects(convertViaWebhook(cc, [objs[0]], 'stable.example.com/v2', { reviewVersion: 'v1beta1' }), /expected webhook response of apiextensions.k8s.io\/v1beta1, Kind=ConversionReview, got apiextensions.k8s.io\/v1/);
});

test('the Service form, through the resolver the API server registered', async () => {
  server.handler = converter;
  const cc = { service: { namespace: 'webhooks', name: 'crontab-conversion', path: '/convert', port: 443 }, caBundle: server.caBundle };
  setConversionServiceResolver(async (svc) => {
    assert.equal(svc.name, 'crontab-conversion');
    return { host: '127.0.0.1', port: server.port };
  });
  try {
    const out = await convertViaWebhook(cc, [objs[0]], 'stable.example.com/v2');
    assert.equal(out[0].apiVersion, 'stable.example.com/v2');
    assert.match(server.received.at(-1)!.path, /^\/convert\?timeout=30s$/);
  } finally {
    setConversionServiceResolver(undefined);
  }
  await assert.rejects(convertViaWebhook(cc, [objs[0]], 'stable.example.com/v2'), /cannot be resolved/);
});
