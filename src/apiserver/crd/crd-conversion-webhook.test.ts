// A CRD with spec.conversion.strategy Webhook against a real HTTPS conversion webhook on 127.0.0.1
// (url clientConfig, caBundle of a test CA): v1 spec.cronSpec is v2 spec.schedule. Objects created
// at v1 read, list and watch at v2 in the converted shape (a list page in one ConversionReview), a
// write at v2 is stored at v1, and with the webhook failing reads at v2 are 500 with Kubernetes'
// message and a v2 watch ends with an ERROR event, while v1 keeps working. A service clientConfig
// is resolved through the Service and its EndpointSlice in storage.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../cli/pki.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { RestClient, StatusError, type WatchEvent } from '../../client/rest.js';
import { resourceForKind } from '../../client/discovery.js';
import { startApiServer, type ApiServer } from '../server.js';
import { logger } from '../../util/log.js';
import type { KObject } from '../../api/kind.js';
import { startWebhookServer, type TestWebhookServer } from '../../../test/helpers/webhook-server.js';
import { until as waitUntil } from '../../../test/helpers/wait.js';

let dir: string;
let store: Store;
let api: ApiServer;
let c: RestClient;
let hook: TestWebhookServer;

const CRD_REF = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };
const V1 = { group: 'stable.example.com', version: 'v1', plural: 'crontabs' };
const V2 = { group: 'stable.example.com', version: 'v2', plural: 'crontabs' };
const specSchema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' }, replicas: { type: 'integer' } } } } } });

/** The converter: spec.cronSpec (v1) <-> spec.schedule (v2), the rest kept. */
function convert(o: any, to: string) {
  const { cronSpec, schedule, ...rest } = o.spec ?? {};
  const spec = to.endsWith('/v2') ? { ...rest, schedule: cronSpec ?? schedule } : { ...rest, cronSpec: schedule ?? cronSpec };
  return { ...o, apiVersion: to, spec };
}
const converter = (_p: string, body: any) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'ConversionReview',
  response: { uid: body.request.uid, result: { status: 'Success' }, convertedObjects: body.request.objects.map((o: any) => convert(o, body.request.desiredAPIVersion)) },
});

const until = (what: string, fn: () => Promise<boolean>, ms = 5000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 20 });

const crontab = (name: string, cronSpec: string): KObject => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name, namespace: 'default' }, spec: { cronSpec, replicas: 1 } });
const spec = (o: unknown) => (o as { spec: Record<string, unknown> }).spec;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-crdconv-'));
  const pki = await ensurePki(dir);
  store = await openStore({ backend: 'sqlite', dataDir: dir, log: logger('store') });
  api = await startApiServer({ store, host: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert }, log: logger('apiserver'), compactionIntervalMs: 0 });
  c = new RestClient({ server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  hook = await startWebhookServer(converter, { dnsNames: ['conv.default.svc'] });
  await c.create(CRD_REF, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: specSchema('cronSpec') },
        { name: 'v2', served: true, storage: false, schema: specSchema('schedule') },
      ],
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: hook.url('/convert'), caBundle: hook.caBundle } } },
    },
  } as KObject);
  await until('v2 served', async () => !!(await resourceForKind(c, 'stable.example.com/v2', 'CronTab')));
});

after(async () => {
  c.close();
  await api.close();
  await store.close();
  await hook.close();
  await rm(dir, { recursive: true, force: true });
});

test('created at v1, read and listed at v2 through the webhook; a list page is one ConversionReview', async () => {
  await c.create(V1, 'default', crontab('a', '* * * * *'));
  await c.create(V1, 'default', crontab('b', '*/5 * * * *'));
  const a = (await c.get(V2, 'default', 'a')) as KObject;
  assert.equal(a.apiVersion, 'stable.example.com/v2');
  assert.deepEqual(spec(a), { schedule: '* * * * *', replicas: 1 });
  const before = hook.received.length;
  const list = (await c.list(V2, 'default')) as { items: KObject[] };
  assert.deepEqual(
    list.items.map((o) => [o.apiVersion, spec(o).schedule]),
    [
      ['stable.example.com/v2', '* * * * *'],
      ['stable.example.com/v2', '*/5 * * * *'],
    ],
  );
  const reviews = hook.received.slice(before);
  assert.equal(reviews.length, 1, 'one review for the page');
  assert.equal(reviews[0].body.request.objects.length, 2);
  // The stored version reads without the webhook.
  const n = hook.received.length;
  assert.deepEqual(spec(await c.get(V1, 'default', 'a')), { cronSpec: '* * * * *', replicas: 1 });
  assert.equal(hook.received.length, n);
});

test('a write at v2 is stored at v1', async () => {
  await c.create(V2, 'default', { apiVersion: 'stable.example.com/v2', kind: 'CronTab', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '0 * * * *' } });
  const raw = JSON.parse((await store.get('/registry/stable.example.com/crontabs/default/c'))!.value);
  assert.equal(raw.apiVersion, 'stable.example.com/v1');
  assert.deepEqual(raw.spec, { cronSpec: '0 * * * *' });
  const cur = (await c.get(V2, 'default', 'c')) as KObject;
  const updated = (await c.update(V2, { ...cur, spec: { schedule: '1 * * * *' } })) as KObject;
  assert.deepEqual(spec(updated), { schedule: '1 * * * *' });
  assert.deepEqual(spec(await c.get(V1, 'default', 'c')), { cronSpec: '1 * * * *' });
  await c.patch(V2, 'default', 'c', { spec: { replicas: 3 } });
  assert.deepEqual(spec(await c.get(V1, 'default', 'c')), { cronSpec: '1 * * * *', replicas: 3 });
});

test('a v2 watch sees converted events', async () => {
  const rv = ((await c.list(V2, 'default')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const events: WatchEvent[] = [];
  const w = c.watch(V2, 'default', { resourceVersion: rv }, (e) => events.push(e));
  try {
    await new Promise((r) => setTimeout(r, 100));
    await c.patch(V1, 'default', 'a', { spec: { cronSpec: '2 * * * *' } });
    await c.create(V1, 'default', crontab('d', '3 * * * *'));
    await until('two events', async () => events.length >= 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.apiVersion, e.object.metadata?.name, spec(e.object).schedule]),
      [
        ['MODIFIED', 'stable.example.com/v2', 'a', '2 * * * *'],
        ['ADDED', 'stable.example.com/v2', 'd', '3 * * * *'],
      ],
    );
  } finally {
    w.abort();
  }
});

test('a service clientConfig reaches the webhook through the Service and its EndpointSlice in storage', async () => {
  const SVC = { group: '', version: 'v1', plural: 'services' };
  const SLICE = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' };
  await c.create(SVC, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'conv', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443, targetPort: hook.port }] } });
  await c.create(SLICE, 'default', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'conv-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'conv' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'https', port: hook.port }],
  } as KObject);
  await c.create(CRD_REF, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.svc.example.com' },
    spec: {
      group: 'svc.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: specSchema('cronSpec') },
        { name: 'v2', served: true, storage: false, schema: specSchema('schedule') },
      ],
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'default', name: 'conv', path: '/convert' }, caBundle: hook.caBundle } } },
    },
  } as KObject);
  await until('svc v2 served', async () => !!(await resourceForKind(c, 'svc.example.com/v2', 'CronTab')));
  const s1 = { group: 'svc.example.com', version: 'v1', plural: 'crontabs' };
  const s2 = { group: 'svc.example.com', version: 'v2', plural: 'crontabs' };
  await c.create(s1, 'default', { ...crontab('s', '6 * * * *'), apiVersion: 'svc.example.com/v1' });
  assert.deepEqual(spec(await c.get(s2, 'default', 's')), { schedule: '6 * * * *', replicas: 1 });
});

test('with the webhook failing: reads at v2 are 500 with the conversion message, a v2 watch ends with an ERROR event', async () => {
  const rv = ((await c.list(V2, 'default')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const events: WatchEvent[] = [];
  const w = c.watch(V2, 'default', { resourceVersion: rv }, (e) => events.push(e));
  try {
    await new Promise((r) => setTimeout(r, 100));
    hook.handler = () => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: 'wrong', result: { status: 'Success' }, convertedObjects: [] } });
    await assert.rejects(
      () => c.get(V2, 'default', 'a'),
      (e: unknown) => e instanceof StatusError && e.code === 500 && e.reason === 'InternalError' && /^Internal error occurred: conversion webhook for stable.example.com\/v1, Kind=CronTab failed: expected response.uid=/.test(e.message),
    );
    hook.handler = (_p, _b, res) => {
      res.destroy();
      return undefined;
    };
    await assert.rejects(
      () => c.list(V2, 'default'),
      (e: unknown) => e instanceof StatusError && e.code === 500 && /conversion webhook for stable.example.com\/v1, Kind=CronTab failed/.test(e.message),
    );
    await assert.rejects(
      () => c.create(V2, 'default', { apiVersion: 'stable.example.com/v2', kind: 'CronTab', metadata: { name: 'e', namespace: 'default' }, spec: { schedule: '4 * * * *' } }),
      (e: unknown) => e instanceof StatusError && e.code === 500 && /conversion webhook for stable.example.com\/v2, Kind=CronTab failed/.test(e.message),
    );
    // The stored version does not need the webhook.
    await c.patch(V1, 'default', 'a', { spec: { cronSpec: '5 * * * *' } });
    assert.deepEqual(spec(await c.get(V1, 'default', 'a')).cronSpec, '5 * * * *');
    await until('the watch to end with an ERROR', async () => events.some((e) => e.type === 'ERROR'));
    const err = events.find((e) => e.type === 'ERROR')!.object as unknown as { code: number; message: string };
    assert.equal(err.code, 500);
    assert.match(err.message, /conversion webhook for stable.example.com\/v1, Kind=CronTab failed/);
    await w.done.catch(() => {});
  } finally {
    w.abort();
    hook.handler = converter;
  }
});
