// Patches are bounded and linear: JSON patch op count and copy budget, strategic merge and field
// ownership over thousands of list items (sizes that took seconds when each item was found by a scan).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { kindSchema } from '../../api/meta.js';
import { int32, mapList, setOf, str, struct } from '../../api/schema.js';
import { applyJsonPatch, MAX_JSON_PATCH_COPY_BYTES, MAX_JSON_PATCH_OPERATIONS, MAX_JSON_PATCH_WORK } from './json-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import { ApiError } from '../../api/errors.js';

const port = struct('l.Port', '', { containerPort: int32(), protocol: str('', { default: 'TCP' }) });
const container = struct('l.Container', '', { name: str(), image: str(), ports: mapList(port, 'containerPort', '', ['containerPort', 'protocol']) });
const schema = kindSchema('l.Thing', '', { spec: struct('l.Spec', '', { containers: mapList(container, 'name'), tags: setOf(str()) }) });
const N = 20000;
const names = (n: number, p = 'c') => Array.from({ length: n }, (_, i) => `${p}${i}`);
const thing = (containers: unknown[], finalizers: string[] = []): KObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x', finalizers }, spec: { containers } });

test("JSON patch: more than 10,000 operations is 413 with Kubernetes' message", () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/a', value: 1 }));
  assert.throws(
    () => applyJsonPatch({ a: 1 }, ops),
    (e: unknown) => e instanceof ApiError && e.code === 413 && e.reason === 'RequestEntityTooLarge' && e.message === `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got ${MAX_JSON_PATCH_OPERATIONS + 1}`,
  );
  assert.doesNotThrow(() => applyJsonPatch({ a: 1 }, ops.slice(1)));
});

test('JSON patch: doubling copies stop at the copy budget with 422, before memory grows', () => {
  // 2 KiB of ops that would reach gigabytes: each copy doubles /a.
  const ops: unknown[] = [{ op: 'add', path: '/a', value: { s: 'x'.repeat(1000) } }];
  for (let i = 0; i < 40; i++) ops.push({ op: 'copy', from: '/a', path: `/a/k${i}` });
  assert.throws(
    () => applyJsonPatch({}, ops),
    (e: unknown) => e instanceof ApiError && e.code === 422 && /^Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728$/.test(e.message),
  );
  // A few copies within the budget are fine.
  const out = applyJsonPatch({}, ops.slice(0, 4)) as { a: Record<string, unknown> };
  assert.deepEqual(Object.keys(out.a), ['s', 'k0', 'k1', 'k2']);
  assert.equal(MAX_JSON_PATCH_COPY_BYTES, 3 * 1024 * 1024);
});

test('JSON patch: shifting list items is bounded work (422), ordinary patches pass', () => {
  const list = Array.from({ length: 100_000 }, (_, i) => i);
  const front = Array.from({ length: 10_000 }, () => ({ op: 'add', path: '/l/0', value: 0 }));
  assert.throws(
    () => applyJsonPatch({ l: list }, front),
    (e: unknown) => e instanceof ApiError && e.code === 422 && e.message.includes(`more than ${MAX_JSON_PATCH_WORK} values`),
  );
  const removes = Array.from({ length: 10_000 }, () => ({ op: 'remove', path: '/l/0' }));
  assert.throws(
    () => applyJsonPatch({ l: list }, removes),
    (e: unknown) => e instanceof ApiError && e.code === 422 && /too much work/.test(e.message),
  );
  // Appending is free of shifts: 10,000 appends to the same list pass.
  const appends = Array.from({ length: 10_000 }, (_, i) => ({ op: 'add', path: '/l/-', value: i }));
  assert.equal((applyJsonPatch({ l: list }, appends) as { l: unknown[] }).l.length, 110_000);
});

test('strategic merge: union of 20,000 finalizers into 20,000, and deletions from them', () => {
  const doc = thing([], names(N, 'a/'));
  const out = applyStrategicMergePatch(doc, { metadata: { finalizers: [...names(N, 'b/'), 'a/0'] } }, schema) as KObject;
  assert.equal(out.metadata!.finalizers!.length, 2 * N);
  assert.equal(out.metadata!.finalizers![N], 'b/0');
  const del = applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': names(N - 1, 'a/') } }, schema) as KObject;
  assert.deepEqual(del.metadata!.finalizers, [`a/${N - 1}`]);
});

test('strategic merge: 20,000 containers merged by name, with delete, replace, order and retainKeys', () => {
  const doc = thing(names(N).map((name) => ({ name, image: 'i:1', ports: [{ containerPort: 80 }] })));
  const patch = { spec: { containers: names(N).map((name, i) => (i % 2 ? { name, $patch: 'delete' } : { name, image: 'i:2' })) } };
  const out = applyStrategicMergePatch(doc, patch, schema) as { spec: { containers: { name: string; image: string; ports: unknown[] }[] } };
  assert.equal(out.spec.containers.length, N / 2);
  assert.deepEqual(out.spec.containers[1], { name: 'c2', image: 'i:2', ports: [{ containerPort: 80 }] });
  const reordered = applyStrategicMergePatch(
    doc,
    {
      spec: {
        '$setElementOrder/containers': names(N)
          .reverse()
          .map((name) => ({ name })),
        containers: [{ name: 'c0', image: 'i:3' }],
      },
    },
    schema,
  ) as typeof out;
  assert.equal(reordered.spec.containers[0].name, `c${N - 1}`);
  assert.deepEqual(reordered.spec.containers[N - 1], { name: 'c0', image: 'i:3', ports: [{ containerPort: 80 }] });
  const retained = applyStrategicMergePatch(doc, { spec: { $retainKeys: ['tags'], tags: ['t'] } }, schema) as { spec: object };
  assert.deepEqual(retained.spec, { tags: ['t'] });
  const replaced = applyStrategicMergePatch(doc, { spec: { containers: [{ $patch: 'replace' }, { name: 'only' }] } }, schema) as typeof out;
  assert.deepEqual(replaced.spec.containers, [{ name: 'only' }]);
  // A patch item twice: the second merges into what the first made, as before.
  const twice = applyStrategicMergePatch(
    thing([]),
    {
      spec: {
        containers: [
          { name: 'n', image: 'a' },
          { name: 'n', ports: [{ containerPort: 1 }] },
        ],
      },
    },
    schema,
  ) as typeof out;
  assert.deepEqual(twice.spec.containers, [{ name: 'n', image: 'a', ports: [{ containerPort: 1 }] }]);
});

test('managed fields: an update of one field of a 20,000-container object moves only that field', () => {
  const now = '2026-01-01T00:00:00Z';
  const created = recordUpdate(undefined, thing(names(N).map((name) => ({ name, image: 'i:1' }))), { manager: 'creator', schema, apiVersion: 'v1', now });
  const next = structuredClone(created);
  (next.spec as { containers: { image: string }[] }).containers[N - 1].image = 'i:2';
  const updated = recordUpdate(created, next, { manager: 'editor', schema, apiVersion: 'v1', now });
  const byManager = Object.fromEntries(updated.metadata!.managedFields!.map((m) => [m.manager, m.fieldsV1 as any]));
  const key = `k:{"name":"c${N - 1}"}`;
  assert.deepEqual(byManager.editor, { 'f:spec': { 'f:containers': { [key]: { 'f:image': {} } } } });
  assert.equal(byManager.creator['f:spec']['f:containers'][key]['f:image'], undefined);
  assert.deepEqual(byManager.creator['f:spec']['f:containers']['k:{"name":"c0"}'], { '.': {}, 'f:image': {}, 'f:name': {} });
});

test('server-side apply: dropping 20,000 applied items removes them in one pass; conflicts still found', () => {
  const opts = { schema, apiVersion: 'v1', now: '2026-01-01T00:00:00Z', force: false };
  const cfg = (containers: unknown[]): KObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x' }, spec: { containers } });
  const all = serverSideApply(undefined, cfg(names(N).map((name) => ({ name, image: 'i:1' }))), { ...opts, manager: 'a' });
  const fewer = serverSideApply(all, cfg([{ name: 'c5', image: 'i:1' }]), { ...opts, manager: 'a' });
  assert.deepEqual((fewer.spec as { containers: unknown[] }).containers, [{ name: 'c5', image: 'i:1' }]);
  assert.throws(
    () => serverSideApply(all, cfg([{ name: `c${N - 1}`, image: 'other' }]), { ...opts, manager: 'b' }),
    (e: unknown) => e instanceof ApiError && e.code === 409 && e.message.includes(`.spec.containers[name="c${N - 1}"].image`),
  );
  // Shared ownership: b applies the same value, then a stops applying it: it stays.
  const shared = serverSideApply(all, cfg([{ name: 'c7', image: 'i:1' }]), { ...opts, manager: 'b' });
  const kept = serverSideApply(shared, cfg([]), { ...opts, manager: 'a' });
  assert.deepEqual((kept.spec as { containers: unknown[] }).containers, [{ name: 'c7', image: 'i:1' }]);
});

test('managed fields: the difference-based update moves ownership exactly as whole field sets do', async () => {
  const { recordUpdateBySets } = await import('./managed-fields.js');
  const { fromFieldsV1 } = await import('./fieldset.js');
  const now = '2026-01-01T00:00:00Z';
  const o = (m: string, sub?: string) => ({ manager: m, schema, apiVersion: 'v1', now, subresource: sub });
  const base = (): KObject => ({
    apiVersion: 'v1',
    kind: 'Thing',
    metadata: { name: 'x', labels: { a: '1', b: '2' }, finalizers: ['f/1', 'f/2'] },
    spec: {
      tags: ['t1', 't2'],
      containers: [
        { name: 'a', image: 'i', ports: [{ containerPort: 80 }, { containerPort: 81 }] },
        { name: 'b', image: 'j' },
      ],
    },
  });
  const edits: [string, (x: any) => void][] = [
    [
      'image',
      (x) => {
        x.spec.containers[0].image = 'k';
      },
    ],
    [
      'remove a container',
      (x) => {
        x.spec.containers.splice(1, 1);
      },
    ],
    [
      'add a container and a port',
      (x) => {
        x.spec.containers.push({ name: 'c', image: 'z' });
        x.spec.containers[0].ports.push({ containerPort: 82, protocol: 'UDP' });
      },
    ],
    [
      'labels and finalizers',
      (x) => {
        delete x.metadata.labels.a;
        x.metadata.labels.c = '3';
        x.metadata.finalizers = ['f/2', 'f/3'];
      },
    ],
    [
      'shape changes',
      (x) => {
        x.spec.tags = [];
        x.spec.containers[0].ports = null;
        x.metadata.labels = {};
      },
    ],
    ['nothing', () => {}],
  ];
  const created = recordUpdate(undefined, base(), o('creator'));
  assert.equal(JSON.stringify(created.metadata!.managedFields), JSON.stringify(recordUpdateBySets(undefined, base(), o('creator')).metadata!.managedFields), 'a create builds the same trie');
  const second = structuredClone(created);
  (second.spec as any).containers[1].image = 'by-editor';
  const shared = recordUpdate(created, second, o('editor'));
  for (const [name, edit] of edits) {
    for (const manager of ['editor', 'third']) {
      const next = structuredClone(shared);
      edit(next);
      const a = recordUpdate(structuredClone(shared), structuredClone(next), o(manager));
      const b = recordUpdateBySets(structuredClone(shared), structuredClone(next), o(manager));
      const sets = (x: KObject) => Object.fromEntries((x.metadata!.managedFields ?? []).map((m) => [m.manager, [...fromFieldsV1(m.fieldsV1)].sort()]));
      assert.deepEqual(sets(a), sets(b), `${name} by ${manager}`);
    }
  }
});
