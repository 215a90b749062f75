// Schema validation in slices finds what one walk finds, in the same order, with turns between the
// parts of long lists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pod } from './kinds/workloads/pod.js';
import { validateAgainstSchema, validateAgainstSchemaSliced } from './validate.js';

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
