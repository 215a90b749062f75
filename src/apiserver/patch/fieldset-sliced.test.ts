// A create's field set built in slices is the trie one walk builds, once sorted as stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pod } from '../../api/kinds/workloads/pod.js';
import { fieldsTrie, sortTrie, unsortedFieldsTrieSliced } from './fieldset.js';

test('a pod of 1,000 containers (a duplicate name among them): the same sorted trie, over several turns', async () => {
  const containers = Array.from({ length: 1000 }, (_, i) => ({ name: i === 999 ? 'c3' : `c${i}`, image: 'x', ports: [{ containerPort: 1000 + i }], ...(i % 3 ? { env: [{ name: 'A', value: String(i) }] } : {}) }));
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers, initContainers: [{ name: 'i', image: 'y' }] } };
  let turns = 0;
  const sliced = await unsortedFieldsTrieSliced(pod.schema, obj, { skip: ['status'] }, () => {
    turns++;
    return undefined;
  });
  assert.deepEqual(JSON.stringify(sortTrie(sliced)), JSON.stringify(fieldsTrie(pod.schema, obj, { skip: ['status'] })));
  assert.ok(turns >= 3, `turns: ${turns}`);
});
