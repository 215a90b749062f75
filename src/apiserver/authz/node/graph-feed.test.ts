import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../../api/kind.js';
import { builtinKinds } from '../../../api/kinds/index.js';
import { KindRegistry } from '../../../api/registry.js';
import { openStore } from '../../../store/index.js';
import { logger } from '../../../util/log.js';
import { ApiState } from '../../context.js';
import { NodeGraphFeed } from './graph-feed.js';

const pod = (name: string, nodeName: string, secret: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: name }, spec: { nodeName, containers: [{ name: 'c' }], volumes: [{ name: 'v', secret: { secretName: secret } }] } }) as KObject;

async function eventually(what: string, ok: () => boolean) {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

test('the graph is listed in pages at start, then follows the watch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-node-graph-'));
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  const state = new ApiState(store, new KindRegistry(builtinKinds), logger('test'));
  const pods = state.objects(state.registry.byResource('', 'v1', 'pods')!);
  try {
    for (let i = 0; i < 5; i++) await pods.create(pod(`p${i}`, i % 2 ? 'a' : 'b', `s${i}`));
    const feed = new NodeGraphFeed(state, logger('test'), 10, 2);
    await feed.start();
    assert.ok(feed.isReady());
    assert.deepEqual(feed.graph.size(), { pods: 5, nodes: 2, claims: 0 });
    assert.ok(feed.graph.references('a', 'secret', 'ns', 's1'));
    assert.ok(!feed.graph.references('a', 'secret', 'ns', 's0'));
    await pods.create(pod('late', 'a', 'late-secret'));
    await eventually('a pod created after start is seen', () => feed.graph.references('a', 'secret', 'ns', 'late-secret'));
    await pods.delete('ns', 'p1');
    await eventually('a deleted pod is forgotten', () => !feed.graph.references('a', 'secret', 'ns', 's1'));
    feed.close();
  } finally {
    state.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
