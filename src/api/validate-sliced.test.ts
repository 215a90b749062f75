// Schema validation in slices finds what one walk finds, in the same order, with turns between the
// parts of long lists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pod } from './kinds/workloads/pod.js';
import { pruneUnknownFields, pruneUnknownFieldsSliced, validateAgainstSchema, validateAgainstSchemaSliced } from './validate.js';

test('a pod of 2,000 containers: same errors and unknown fields, in the same order, over several turns', async () => {
  const containers = Array.from({ length: 2000 }, (_, i) => {
    const c: Record<string, unknown> = { name: `c${i}`, image: 'x', ports: Array.from({ length: i === 1500 ? 300 : 1 }, (_, p) => ({ containerPort: 1000 + p })) };
    if (i % 400 === 7) c.imagePullPolicy = 'Sometimes'; // not in the enum
    if (i % 500 === 3) c.bogus = true; // unknown
    if (i === 1999) c.resources = { limits: { cpu: 'lots' } }; // not a quantity
    if (i === 1500) (c.ports as Record<string, unknown>[])[299] = { containerPort: 'eighty' }; // a long list inside a deferred item
    return c;
  });
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', extra: 1 }, spec: { containers, nodeName: 7 }, status: {} };
  for (const unknownFields of ['Strict', 'Ignore'] as const) {
    const one = validateAgainstSchema(pod.schema, obj, { unknownFields });
    let turns = 0;
    const sliced = await validateAgainstSchemaSliced(pod.schema, obj, { unknownFields }, () => {
      turns++;
      return undefined;
    });
    assert.deepEqual(sliced, one, unknownFields);
    assert.ok(one.errors.length >= 8, `errors found: ${one.errors.length}`);
    assert.ok(turns >= 8, `turns: ${turns}`);
  }
});

test("a pod's rules in parts are its rules in one go", () => {
  const old = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers: [{ name: 'a', image: 'x' }] } };
  const changed = {
    ...old,
    spec: {
      containers: [
        { name: 'a', image: 'y' },
        { name: 'a', image: 'z' },
      ],
      nodeName: 'n',
    },
  };
  for (const [obj, before] of [
    [old, undefined],
    [changed, old],
  ] as const) {
    const parts = pod.validateParts!(obj as never, before as never).flatMap((p) => p());
    assert.deepEqual(parts, pod.validate!(obj as never, before as never));
  }
  assert.ok(pod.validate!(changed as never, old as never).length > 0, 'the update is refused');
});

test("a large pod's rules come in steps of a few hundred containers, with the errors one walk finds", () => {
  const containers = Array.from({ length: 1200 }, (_, i) => ({ name: `c${i}`, image: 'x', volumeMounts: [{ name: i === 1150 ? 'missing' : 'data', mountPath: '/d' }] }));
  containers[1100] = { ...containers[1100], name: 'c5' }; // a duplicate of a name seen two steps before
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers, volumes: [{ name: 'data', emptyDir: {} }] } };
  const parts = pod.validateParts!(obj as never, undefined);
  assert.ok(parts.length >= 4, `parts: ${parts.length}`);
  const fields = parts.flatMap((p) => p()).map((e) => `${e.field} ${e.reason}`);
  // The volumes the first step reads are what later steps check mounts against.
  assert.deepEqual(fields, ['spec.containers[1100].name FieldValueDuplicate', 'spec.containers[1150].volumeMounts[0].name FieldValueNotFound']);
});

test('pruning in slices drops what one walk drops', async () => {
  const containers = () => Array.from({ length: 1000 }, (_, i) => ({ name: `c${i}`, image: 'x', ...(i % 300 === 1 ? { bogus: i } : {}), ports: [{ containerPort: 80, extra: true }] }));
  const one = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', junk: 1 }, spec: { containers: containers() } };
  const sliced = structuredClone(one);
  pruneUnknownFields(pod.schema, one);
  let turns = 0;
  await pruneUnknownFieldsSliced(pod.schema, sliced, () => {
    turns++;
    return undefined;
  });
  assert.deepEqual(sliced, one);
  assert.equal(JSON.stringify(one).includes('bogus') || JSON.stringify(one).includes('extra') || JSON.stringify(one).includes('junk'), false);
  assert.ok(turns >= 3, `turns: ${turns}`);
});
