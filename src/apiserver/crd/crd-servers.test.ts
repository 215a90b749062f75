// Custom resources through two API servers over one store (as several servers over one etcd), with
// the controllers' client: a CRD created on one server is served by the other, and a RestClient
// with shared informers works with the custom GVK (create, server-side apply, watch, delete) as an
// operator would use it. Also: strategic merge refused with 415; with its conversion webhook unreachable a
// Webhook-strategy CRD's other version is a 500 and the CRD still deletes (crd-conversion-webhook.test.ts
// has a working webhook).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, type Pki } from '../../cli/pki.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { RestClient, StatusError } from '../../client/rest.js';
import { resourceForKind } from '../../client/discovery.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { startApiServer, type ApiServer } from '../server.js';
import { logger } from '../../util/log.js';
import type { KObject } from '../../api/kind.js';
import { until as waitUntil } from '../../../test/helpers/wait.js';

let dir: string;
let pki: Pki;
let store: Store;
let a: ApiServer;
let b: ApiServer;
let ca: RestClient;
let cb: RestClient;

const CRD_REF = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };
const schema = {
  openAPIV3Schema: {
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { replicas: { type: 'integer' }, ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } } } },
      status: { type: 'object', properties: { replicas: { type: 'integer' } } },
    },
  },
};
const widgets = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema, subresources: { status: {} } }] },
};

const until = (what: string, fn: () => Promise<boolean>, ms = 5000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 20 });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-crd-'));
  pki = await ensurePki(dir);
  store = await openStore({ backend: 'sqlite', dataDir: dir, log: logger('store') });
  const start = () => startApiServer({ store, host: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert }, log: logger('apiserver'), compactionIntervalMs: 0 });
  a = await start();
  b = await start();
  const client = (s: ApiServer) => new RestClient({ server: s.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  ca = client(a);
  cb = client(b);
});

after(async () => {
  ca.close();
  cb.close();
  await a.close();
  await b.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

test('a CRD created on one server is established and served by the other within a second', async () => {
  const t0 = Date.now();
  await ca.create(CRD_REF, undefined, widgets);
  await until('established', async () => ((await cb.get(CRD_REF, undefined, 'widgets.example.com')).status as { conditions?: { type: string; status: string }[] })?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false);
  await until('served by the other server', async () => !!(await resourceForKind(cb, 'example.com/v1', 'Widget')));
  assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
});

test('RestClient and shared informers work with a custom GVK', async () => {
  const ref = await resourceForKind(cb, 'example.com/v1', 'Widget');
  assert.deepEqual(ref && { group: ref.group, version: ref.version, plural: ref.plural, namespaced: ref.namespaced }, { group: 'example.com', version: 'v1', plural: 'widgets', namespaced: true });
  const factory = new InformerFactory(ca, logger('informers'));
  const scope = factory.scope('operator');
  const events: string[] = [];
  scope.informer(ref!).addHandlers({
    onAdd: (o) => events.push(`add ${o.metadata?.name}`),
    onUpdate: (_old, o) => events.push(`update ${o.metadata?.name} ${(o.spec as { replicas?: number }).replicas}`),
    onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
  });
  scope.start();
  assert.equal(await scope.waitForCacheSync(), true);
  try {
    await cb.create(ref!, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { replicas: 1, ports: [{ name: 'http', port: 80 }] } });
    await cb.apply(ref!, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { replicas: 2 } }, 'operator', { force: true });
    await cb.apply(ref!, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { ports: [{ name: 'metrics', port: 9090 }] } }, 'other');
    const w = (await ca.get(ref!, 'default', 'w1')) as KObject & { spec: { replicas: number; ports: { name: string }[] } };
    assert.equal(w.spec.replicas, 2);
    assert.deepEqual(
      w.spec.ports.map((p) => p.name),
      ['http', 'metrics'],
    );
    await cb.update(ref!, { ...w, status: { replicas: 2 } }, 'status');
    await assert.rejects(
      () => cb.patch(ref!, 'default', 'w1', { spec: { replicas: 3 } }, 'strategic'),
      (e: unknown) => e instanceof StatusError && e.code === 415,
    );
    await cb.delete(ref!, 'default', 'w1');
    await until('the informer to see add, updates and delete', async () => events.includes('delete w1'));
    assert.equal(events[0], 'add w1');
    assert.ok(events.includes('update w1 2'), events.join(', '));
  } finally {
    scope.close();
    factory.stop();
  }
});

test('an unreachable conversion webhook is a 500 Status; the CRD still deletes with its objects', async () => {
  const crd = structuredClone(widgets) as typeof widgets & { spec: Record<string, unknown> };
  crd.metadata = { name: 'gadgets.example.com' };
  crd.spec.names = { plural: 'gadgets', kind: 'Gadget' };
  crd.spec.versions = [
    { name: 'v2', served: true, storage: true, schema, subresources: { status: {} } },
    { name: 'v1', served: true, storage: false, schema, subresources: { status: {} } },
  ];
  crd.spec.conversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://127.0.0.1:1/convert' } } };
  await ca.create(CRD_REF, undefined, crd);
  const v2 = { group: 'example.com', version: 'v2', plural: 'gadgets' };
  const v1 = { group: 'example.com', version: 'v1', plural: 'gadgets' };
  await until('served', async () => !!(await resourceForKind(ca, 'example.com/v1', 'Gadget')));
  await ca.create(v2, 'default', { apiVersion: 'example.com/v2', kind: 'Gadget', metadata: { name: 'g', namespace: 'default' }, spec: { replicas: 1 } });
  await assert.rejects(
    () => ca.get(v1, 'default', 'g'),
    (e: unknown) => e instanceof StatusError && e.code === 500 && /conversion webhook/.test(e.message),
  );
  // Deleting the CRD still removes its objects (read without conversion).
  await ca.delete(CRD_REF, undefined, 'gadgets.example.com');
  await until('the CRD and its objects to go', async () => {
    try {
      await ca.get(CRD_REF, undefined, 'gadgets.example.com');
      return false;
    } catch (e) {
      return e instanceof StatusError && e.code === 404;
    }
  });
  assert.equal((await store.list('/registry/example.com/gadgets/')).items.length, 0);
});

test("a deleting CRD is Terminating, refuses creates and waits for its objects' own finalizers", async () => {
  const ref = { group: 'example.com', version: 'v1', plural: 'widgets' };
  await ca.create(ref, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] }, spec: {} });
  await ca.delete(CRD_REF, undefined, 'widgets.example.com');
  const crd = (await ca.get(CRD_REF, undefined, 'widgets.example.com')) as KObject & { status: { conditions: { type: string; status: string; reason: string }[] } };
  assert.deepEqual(crd.metadata?.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
  const terminating = crd.status.conditions.find((c) => c.type === 'Terminating');
  assert.equal(terminating?.status, 'True');
  assert.equal(terminating?.reason, 'InstanceDeletionInProgress');
  await until('the object to be marked for deletion', async () => !!((await ca.get(ref, 'default', 'held')) as KObject).metadata?.deletionTimestamp);
  await assert.rejects(
    () => cb.create(ref, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'late', namespace: 'default' }, spec: {} }),
    (e: unknown) => e instanceof StatusError && e.code === 405 && /terminating/.test(e.message),
  );
  // The CRD waits for the object's finalizer; once its controller removes it, both go.
  assert.ok(await ca.get(CRD_REF, undefined, 'widgets.example.com'));
  await ca.patch(ref, 'default', 'held', { metadata: { finalizers: null } });
  await until('the CRD to go', async () => {
    try {
      await ca.get(CRD_REF, undefined, 'widgets.example.com');
      return false;
    } catch (e) {
      return e instanceof StatusError && e.code === 404;
    }
  });
});

test('versions: unserving one removes it; a new storage version joins storedVersions', async () => {
  const crd = structuredClone(widgets) as typeof widgets & { spec: Record<string, unknown> };
  crd.metadata = { name: 'dials.example.com' };
  crd.spec.names = { plural: 'dials', kind: 'Dial' };
  crd.spec.versions = [
    { name: 'v1', served: true, storage: true, schema, subresources: { status: {} } },
    { name: 'v1beta1', served: true, storage: false, schema, subresources: { status: {} } },
  ];
  await ca.create(CRD_REF, undefined, crd);
  await until('both versions served', async () => !!(await resourceForKind(cb, 'example.com/v1beta1', 'Dial')) && !!(await resourceForKind(cb, 'example.com/v1', 'Dial')));
  await ca.create({ group: 'example.com', version: 'v1beta1', plural: 'dials' }, 'default', { apiVersion: 'example.com/v1beta1', kind: 'Dial', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 1 } });
  const stored = await store.get('/registry/example.com/dials/default/d');
  assert.equal(JSON.parse(String(stored?.value)).apiVersion, 'example.com/v1', 'stored at the storage version');
  await ca.patch(
    CRD_REF,
    undefined,
    'dials.example.com',
    [
      { op: 'replace', path: '/spec/versions/0/storage', value: false },
      { op: 'replace', path: '/spec/versions/1/storage', value: true },
    ],
    'json',
  );
  await until('storedVersions to hold both', async () => JSON.stringify(((await ca.get(CRD_REF, undefined, 'dials.example.com')).status as { storedVersions: string[] }).storedVersions) === '["v1","v1beta1"]');
  await ca.patch(CRD_REF, undefined, 'dials.example.com', [{ op: 'replace', path: '/spec/versions/0/served', value: false }], 'json');
  await until('v1 unserved on both', async () => !(await resourceForKind(ca, 'example.com/v1', 'Dial')) && !(await resourceForKind(cb, 'example.com/v1', 'Dial')));
  const d = await cb.get({ group: 'example.com', version: 'v1beta1', plural: 'dials' }, 'default', 'd');
  assert.equal(d.apiVersion, 'example.com/v1beta1');
  await ca.delete(CRD_REF, undefined, 'dials.example.com');
});

test('a CRD gone from one server is unserved on both', async () => {
  await until('unserved on both', async () => !(await resourceForKind(ca, 'example.com/v1', 'Widget')) && !(await resourceForKind(cb, 'example.com/v1', 'Widget')));
});
