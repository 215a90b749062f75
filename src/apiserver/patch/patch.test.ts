import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { kindSchema } from '../../api/meta.js';
import { int32, mapList, setOf, str, struct, stringMap } from '../../api/schema.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import { ApiError } from '../../api/errors.js';

const port = struct('t.Port', '', { containerPort: int32(), protocol: str('', { default: 'TCP' }), name: str() });
const env = struct('t.Env', '', { name: str(), value: str() });
const container = struct('t.Container', '', { name: str(), image: str(), ports: mapList(port, 'containerPort', '', ['containerPort', 'protocol']), env: mapList(env, 'name'), args: { type: 'array', items: str() } });
const schema = kindSchema('t.Thing', '', {
  spec: struct('t.Spec', '', { replicas: int32(), containers: mapList(container, 'name'), tags: setOf(str()), selector: stringMap() }),
});

const base = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name: 'x', labels: { a: '1', b: '2' } },
  spec: {
    replicas: 1,
    tags: ['t1'],
    containers: [
      { name: 'web', image: 'web:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: 'side:1' },
    ],
  },
});

test('json patch: add, replace, remove, test; failed test changes nothing', () => {
  const d = base();
  const out = applyJsonPatch(d, [
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/spec/tags/-', value: 't2' },
    { op: 'remove', path: '/metadata/labels/b' },
  ]) as KObject;
  assert.equal((out.spec as any).replicas, 3);
  assert.deepEqual((out.spec as any).tags, ['t1', 't2']);
  assert.deepEqual(out.metadata!.labels, { a: '1' });
  assert.equal((d.spec as any).replicas, 1, 'input untouched');
  assert.throws(
    () => applyJsonPatch(d, [{ op: 'test', path: '/spec/replicas', value: 9 }]),
    (e: unknown) => e instanceof ApiError && e.code === 422,
  );
  assert.throws(
    () => applyJsonPatch(d, { op: 'add' }),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
  assert.equal(applyJsonPatch({ 'a/b': { '~c': 1 } }, [{ op: 'replace', path: '/a~1b/~0c', value: 2 }]) && true, true);
});

test('merge patch: null deletes, objects merge, lists replace', () => {
  assert.deepEqual(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }), { a: { c: 2, d: 3 }, l: [3] });
});

test('strategic merge: containers by name, $setElementOrder, $patch delete, sets, null label', () => {
  const patch = {
    metadata: { labels: { b: null } },
    spec: {
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }],
      containers: [{ name: 'web', image: 'web:2', env: [{ name: 'B', value: '2' }] }],
      tags: ['t2'],
    },
  };
  const out = applyStrategicMergePatch(base(), patch, schema) as any;
  assert.deepEqual(out.metadata.labels, { a: '1' });
  assert.equal(out.spec.containers[0].image, 'web:2');
  assert.equal(out.spec.containers[1].name, 'side');
  assert.deepEqual(
    out.spec.containers[0].env.map((e: any) => e.name),
    ['A', 'B'],
  );
  assert.deepEqual(out.spec.tags, ['t1', 't2']);
  const del = applyStrategicMergePatch(base(), { spec: { containers: [{ name: 'side', $patch: 'delete' }] } }, schema) as any;
  assert.deepEqual(
    del.spec.containers.map((c: any) => c.name),
    ['web'],
  );
  const rep = applyStrategicMergePatch(base(), { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] } }, schema) as any;
  assert.deepEqual(rep.spec.containers, [{ name: 'only', image: 'o:1' }]);
  const prim = applyStrategicMergePatch(base(), { spec: { '$deleteFromPrimitiveList/tags': ['t1'] } }, schema) as any;
  assert.deepEqual(prim.spec.tags, []);
  assert.throws(() => applyStrategicMergePatch(base(), { spec: { containers: [{ image: 'no-key' }] } }, schema), ApiError);
});

test('server-side apply: owns what it applies, conflicts with another manager, force takes over, drops what it stops applying', () => {
  const now = '2026-01-01T00:00:00Z';
  const opts = { schema, apiVersion: 'v1', now, force: false };
  const cfg = (replicas: number, extra: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x', labels: { app: 'x', ...extra } }, spec: { replicas } });
  const a = serverSideApply(undefined, cfg(1, { temp: 'y' }), { ...opts, manager: 'alice' });
  assert.equal(a.metadata!.managedFields![0].manager, 'alice');
  assert.equal(a.metadata!.managedFields![0].operation, 'Apply');
  assert.deepEqual((a.metadata!.managedFields![0].fieldsV1 as any)['f:spec'], { 'f:replicas': {} });
  // Same value from another manager: shared ownership, no conflict.
  const shared = serverSideApply(a, cfg(1), { ...opts, manager: 'bob' });
  assert.equal(shared.metadata!.managedFields!.length, 2);
  assert.throws(
    () => serverSideApply(shared, cfg(3), { ...opts, manager: 'carol' }),
    (e: unknown) => e instanceof ApiError && e.code === 409 && /conflicts? with "alice"/.test(e.message) && /\.spec\.replicas/.test(e.message),
  );
  const forced = serverSideApply(shared, cfg(3), { ...opts, manager: 'carol', force: true });
  assert.equal((forced.spec as any).replicas, 3);
  const aliceFields = forced.metadata!.managedFields!.find((m) => m.manager === 'alice')!.fieldsV1 as any;
  assert.equal(aliceFields['f:spec'], undefined, 'alice lost .spec.replicas');
  // alice stops applying the temp label: it goes (nobody else owns it).
  const dropped = serverSideApply(forced, cfg(3), { ...opts, manager: 'alice', force: true });
  assert.equal(dropped.metadata!.labels!.temp, undefined);
  assert.equal(dropped.metadata!.labels!.app, 'x', 'app still applied by alice');
});

test('updates move ownership of changed fields to their manager', () => {
  const now = '2026-01-01T00:00:00Z';
  const created = recordUpdate(undefined, base(), { manager: 'kubectl-create', schema, apiVersion: 'v1', now });
  assert.equal(created.metadata!.managedFields![0].manager, 'kubectl-create');
  const next = structuredClone(created);
  (next.spec as any).replicas = 5;
  const updated = recordUpdate(created, next, { manager: 'kubectl-scale', schema, apiVersion: 'v1', now });
  const byManager = Object.fromEntries(updated.metadata!.managedFields!.map((m) => [m.manager, m.fieldsV1 as any]));
  assert.deepEqual(byManager['kubectl-scale'], { 'f:spec': { 'f:replicas': {} } });
  assert.equal(byManager['kubectl-create']['f:spec']['f:replicas'], undefined);
});
