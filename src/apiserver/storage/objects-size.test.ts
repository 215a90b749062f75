// Every write through Objects is measured as the text it stores: over the stored-object bound is
// 413 and nothing is written, whichever handler (or in-server writer) sent it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configMap } from '../../api/kinds/cluster/configmap.js';
import type { KObject } from '../../api/kind.js';
import { openStore } from '../../store/index.js';
import { MAX_STORED_OBJECT_BYTES } from '../object-size.js';
import { Objects } from './objects.js';

test('creates and updates over the stored-object bound are 413 and store nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-objects-size-'));
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  try {
    const objects = new Objects(store, configMap);
    const cm = (name: string, bytes: number): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { big: 'x'.repeat(bytes) } }) as KObject;
    await assert.rejects(objects.create(cm('huge', MAX_STORED_OBJECT_BYTES)), (e: { code?: number; reason?: string }) => e.code === 413 && e.reason === 'RequestEntityTooLarge');
    assert.equal(await objects.get('default', 'huge'), null);
    // Multi-byte text counts in bytes: 1.1 M three-byte characters are 3.3 MB.
    await assert.rejects(objects.create({ ...cm('wide', 0), data: { big: '☃'.repeat(1_100_000) } }), (e: { code?: number }) => e.code === 413);
    const created = await objects.create(cm('small', 10));
    const rv = Number(created.metadata!.resourceVersion);
    await assert.rejects(objects.update(cm('small', MAX_STORED_OBJECT_BYTES), rv), (e: { code?: number }) => e.code === 413);
    assert.equal((await objects.get('default', 'small'))?.revision, rv, 'the stored object is unchanged');
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
