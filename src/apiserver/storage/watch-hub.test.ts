import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHubEvent } from './watch-hub.js';

const kv = (value: object, createRevision: number, modRevision: number) => ({ key: '/registry/configmaps/default/a', value: JSON.stringify(value), createRevision, modRevision });

test('a hub event decodes the previous object only when it is read, and then once', () => {
  const prevKv = kv({ metadata: { name: 'a' }, data: { v: '1' } }, 1, 1);
  const e = toHubEvent({ type: 'put', kv: kv({ metadata: { name: 'a' }, data: { v: '2' } }, 1, 2), prevKv });
  assert.equal(e.type, 'MODIFIED');
  assert.equal(e.object.metadata?.resourceVersion, '2');
  // A broken previous value shows it is not parsed until asked for.
  const lazy = toHubEvent({ type: 'put', kv: kv({ metadata: { name: 'a' } }, 1, 3), prevKv: { ...prevKv, value: '{' } });
  assert.throws(() => lazy.old);
  const old = e.old!;
  assert.deepEqual(old.data, { v: '1' });
  assert.equal(old.metadata?.resourceVersion, '1');
  assert.equal(e.old, old);
  assert.deepEqual(Object.keys(e).sort(), ['key', 'object', 'old', 'revision', 'type', 'value']);
});

test('a created object has no previous one; a deleted one is its last state', () => {
  const created = toHubEvent({ type: 'put', kv: kv({ metadata: { name: 'a' } }, 5, 5) });
  assert.equal(created.type, 'ADDED');
  assert.equal(created.old, undefined);
  const last = kv({ metadata: { name: 'a' }, data: { v: '9' } }, 5, 6);
  const deleted = toHubEvent({ type: 'delete', kv: { ...last, value: '', modRevision: 7 }, prevKv: last });
  assert.equal(deleted.type, 'DELETED');
  assert.deepEqual(deleted.object.data, { v: '9' });
  assert.equal(deleted.object.metadata?.resourceVersion, '7');
  assert.equal(deleted.old?.metadata?.resourceVersion, '6');
  // The stored text a watcher splices the revision into is the object's: the last state's.
  assert.equal(deleted.value, last.value);
  assert.equal(created.value, JSON.stringify({ metadata: { name: 'a' } }));
});
