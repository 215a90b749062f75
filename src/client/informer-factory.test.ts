// The factory with a fake API client: one list and one watch per (resource, namespace, query),
// consumers' handlers removed when their scope closes, informers stopped with their last consumer.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { logger } from '../util/log.js';
import { InformerFactory } from './informer-factory.js';
import { R } from './resources.js';
import type { RestClient, WatchEvent } from './rest.js';

/** Serves a fixed list and keeps each watch open until aborted; counts lists and open watches. */
function fakeClient(items: KObject[]) {
  const stats = { lists: 0, watches: 0, open: 0, emitters: [] as ((e: WatchEvent) => void)[], emit: (e: WatchEvent) => stats.emitters[0](e) };
  const client = {
    async list() {
      stats.lists++;
      return { items: structuredClone(items), metadata: { resourceVersion: '1' } };
    },
    watch(_r: unknown, _ns: unknown, _q: unknown, onEvent: (e: WatchEvent) => void) {
      stats.watches++;
      stats.open++;
      stats.emitters.push(onEvent);
      let end!: () => void;
      const done = new Promise<void>((r) => (end = r));
      return {
        done,
        abort: () => {
          stats.open--;
          end();
        },
      };
    },
  } as unknown as RestClient;
  return { client, stats };
}

const pod = (name: string, node: string): KObject => ({ metadata: { namespace: 'default', name, resourceVersion: '1', uid: name }, spec: { nodeName: node } });
const tick = () => new Promise((r) => setImmediate(r));

describe('InformerFactory', () => {
  it('shares one informer per resource and query among scopes and delivers to each', async () => {
    const { client, stats } = fakeClient([pod('p1', 'n1')]);
    const f = new InformerFactory(client, logger('test'));
    const a = f.scope('a');
    const b = f.scope('b');
    const seenA: string[] = [];
    const seenB: string[] = [];
    a.informer(R.pods).addHandlers({ onAdd: (o) => seenA.push(o.metadata!.name!) });
    a.start();
    assert.equal(await a.waitForCacheSync(), true);
    // b comes late: it gets the cache as adds and starts nothing new.
    b.informer(R.pods).addHandlers({ onAdd: (o) => seenB.push(o.metadata!.name!) });
    b.informer(R.pods, { query: { fieldSelector: 'spec.nodeName=n1' } });
    b.start();
    await b.waitForCacheSync();
    assert.deepEqual(seenA, ['p1']);
    assert.deepEqual(seenB, ['p1']);
    assert.equal(f.informers().length, 2);
    assert.equal(stats.lists, 2); // the cluster-wide one and the node's one
    await tick();
    stats.emit({ type: 'ADDED', object: { ...pod('p2', 'n2'), metadata: { ...pod('p2', 'n2').metadata, resourceVersion: '2' } } } as WatchEvent);
    assert.deepEqual(seenB, ['p1', 'p2']);
    f.stop();
  });

  it("removes a closed scope's handlers and stops informers nobody uses", async () => {
    const { client, stats } = fakeClient([pod('p1', 'n1')]);
    const f = new InformerFactory(client, logger('test'));
    const a = f.scope('a');
    const b = f.scope('b');
    const seenA: string[] = [];
    a.informer(R.pods).addHandlers({ onDelete: (o) => seenA.push(o.metadata!.name!) });
    b.informer(R.pods);
    b.informer(R.nodes);
    a.start();
    b.start();
    await Promise.all([a.waitForCacheSync(), b.waitForCacheSync()]);
    await tick();
    assert.equal(stats.open, 2);
    a.close();
    stats.emit({ type: 'DELETED', object: pod('p1', 'n1') } as WatchEvent);
    assert.deepEqual(seenA, [], 'a closed scope gets no more events');
    assert.equal(stats.open, 2, 'b still uses both informers');
    b.close();
    assert.equal(stats.open, 0);
    assert.equal(f.informers().length, 0);
  });

  it('answers waitForCacheSync with false when the scope closes first', async () => {
    const client = { list: () => new Promise(() => {}), watch: () => ({ done: new Promise(() => {}), abort() {} }) } as unknown as RestClient;
    const f = new InformerFactory(client, logger('test'));
    const s = f.scope('s');
    s.informer(R.pods);
    s.start();
    const synced = s.waitForCacheSync();
    s.close();
    assert.equal(await synced, false);
  });
});
