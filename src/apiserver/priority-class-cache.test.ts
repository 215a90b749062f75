// The PriorityClass cache over a real SQLite store and watch hub: ready after start it answers
// without reading the store, follows writes made by others through the watch, sees this server's
// own writes at once, and reads the store before it is ready or when a class is not (yet) known.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../store/index.js';
import { priorityClass } from '../api/kinds/cluster/priorityclass.js';
import { logger } from '../util/log.js';
import { Objects, type ListPage, type Stored } from './storage/objects.js';
import { WatchHub } from './storage/watch-hub.js';
import { resourcePrefix } from './storage/keys.js';
import { PriorityClassCache } from './priority-class-cache.js';

/** Objects that count the reads the cache makes. */
class CountingObjects extends Objects {
  reads = 0;
  override async get(ns: string | undefined, name: string): Promise<Stored | null> {
    this.reads++;
    return super.get(ns, name);
  }
  override async list(ns: string | undefined, opts?: { revision?: number }): Promise<ListPage> {
    this.reads++;
    return super.list(ns, opts);
  }
}

const pc = (name: string, value: number, globalDefault = false) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, globalDefault });

async function eventually(what: string, fn: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never: ${what}`);
}

describe('PriorityClass cache', () => {
  let dir: string;
  let store: Store;
  let hub: WatchHub;
  let objects: CountingObjects;
  let others: Objects;
  let cache: PriorityClassCache;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gifee-pc-cache-'));
    store = await openStore({ backend: 'sqlite', dataDir: dir });
    hub = new WatchHub(store, resourcePrefix(priorityClass), logger('test'));
    await hub.start();
    objects = new CountingObjects(store, priorityClass);
    others = new Objects(store, priorityClass); // another API server writing to the same store
    await others.create(pc('low', 10));
    cache = new PriorityClassCache(objects, async () => hub, logger('test'));
  });
  after(async () => {
    cache?.close();
    hub?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the store until ready, then answers from memory', async () => {
    const starting = cache.start();
    assert.equal((await cache.get('low'))?.value, 10);
    await starting;
    objects.reads = 0;
    assert.equal((await cache.get('low'))?.value, 10);
    assert.equal(await cache.globalDefault(), undefined);
    assert.equal(objects.reads, 0, 'no store reads once ready');
  });

  it('follows classes written by others through the watch', async () => {
    await others.create(pc('everyone', 5, true));
    await eventually('the global default arrives', async () => (await cache.globalDefault())?.metadata?.name === 'everyone');
    const cur = await others.mustGet(undefined, 'low');
    await others.update({ ...cur.obj, value: 11 } as never, cur.revision);
    objects.reads = 0;
    await eventually('the update arrives', async () => (await cache.get('low'))?.value === 11);
    assert.equal(objects.reads, 0);
    await others.delete(undefined, 'everyone');
    await eventually('the delete arrives', async () => (await cache.globalDefault()) === undefined);
  });

  it("sees its own server's writes at once, and asks the store about names it does not know", async () => {
    const created = await others.create(pc('mine', 7, true));
    cache.wrote(created); // what the PriorityClass storage does after this server's create
    assert.equal((await cache.globalDefault())?.metadata?.name, 'mine');
    const deleted = await others.delete(undefined, 'mine');
    cache.wrote(deleted, true);
    assert.equal(await cache.globalDefault(), undefined);
    // The older ADDED event arriving after the delete must not bring it back.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await cache.globalDefault(), undefined);

    // A class of the same name created again later is seen.
    await others.create(pc('mine', 8));
    await eventually('the re-created class arrives', async () => {
      objects.reads = 0;
      return (await cache.get('mine'))?.value === 8 && objects.reads === 0;
    });

    objects.reads = 0;
    assert.equal(await cache.get('nope'), undefined);
    assert.equal(objects.reads, 1, 'a miss is checked against the store');
  });
});
