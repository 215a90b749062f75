// The Store contract, as tests every backend must pass: one global monotonic revision, conditional
// writes, consistent paginated lists at a revision, watches that replay history then go live, and
// compaction that makes old revisions Gone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactedError, ConflictError, FutureRevisionError, KeyExistsError, NotFoundError, type Store, type WatchEvent } from './types.js';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

async function withStore(open: OpenStore, fn: (s: Store) => Promise<void>) {
  const { store, cleanup } = await open();
  try {
    await fn(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

/** Collects watch events until `n` have arrived. */
function collect(store: Store, prefix: string, after: number) {
  const events: WatchEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const w = store.watch(prefix, {
    afterRevision: after,
    onEvents: (evs) => {
      events.push(...evs);
      for (const x of waiters) if (events.length >= x.n) x.resolve();
    },
  });
  return {
    events,
    close: () => w.close(),
    async until(n: number, ms = 5000) {
      if (events.length >= n) return;
      await Promise.race([new Promise<void>((resolve) => waiters.push({ n, resolve })), new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${events.length} of ${n} events arrived`)), ms))]);
    },
  };
}

export function storeContract(name: string, open: OpenStore) {
  test(`${name}: revisions are global and monotonic; create, get, update, delete`, () =>
    withStore(open, async (s) => {
      const r0 = await s.currentRevision();
      const a = await s.create('/t/a', '1');
      const b = await s.create('/t/b', '2');
      assert.ok(a.modRevision > r0);
      assert.ok(b.modRevision > a.modRevision);
      assert.equal(a.createRevision, a.modRevision);
      assert.equal(await s.currentRevision(), b.modRevision);
      assert.deepEqual(await s.get('/t/a'), a);
      const a2 = await s.update('/t/a', '1b', a.modRevision);
      assert.equal(a2.value, '1b');
      assert.equal(a2.createRevision, a.createRevision);
      assert.ok(a2.modRevision > b.modRevision);
      const d = await s.delete('/t/b', b.modRevision);
      assert.equal(d.value, '2');
      assert.ok(d.modRevision > a2.modRevision);
      assert.equal(await s.get('/t/b'), null);
      // A deleted key can be created again, with a new createRevision.
      const b2 = await s.create('/t/b', '3');
      assert.equal(b2.createRevision, b2.modRevision);
    }));

  test(`${name}: conditional writes fail with KeyExists, Conflict, NotFound`, () =>
    withStore(open, async (s) => {
      const a = await s.create('/c/a', 'x');
      await assert.rejects(s.create('/c/a', 'y'), KeyExistsError);
      await s.update('/c/a', 'y', a.modRevision);
      await assert.rejects(s.update('/c/a', 'z', a.modRevision), ConflictError);
      await assert.rejects(s.delete('/c/a', a.modRevision), ConflictError);
      await assert.rejects(s.update('/c/none', 'z', 1), NotFoundError);
      await assert.rejects(s.delete('/c/none'), NotFoundError);
      assert.equal((await s.get('/c/a'))!.value, 'y');
      // Concurrent conditional updates from the same revision: exactly one wins.
      const cur = (await s.get('/c/a'))!;
      const results = await Promise.allSettled([1, 2, 3, 4].map((i) => s.update('/c/a', `v${i}`, cur.modRevision)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    }));

  test(`${name}: list is ordered, prefix-isolated, readable at an old revision, and counts`, () =>
    withStore(open, async (s) => {
      await s.create('/l/b/2', 'b2');
      await s.create('/l/b/1', 'b1');
      const mid = await s.create('/l/bc/1', 'bc1');
      await s.create('/l/b/3', 'b3');
      const l = await s.list('/l/b/');
      assert.deepEqual(
        l.items.map((i) => i.key),
        ['/l/b/1', '/l/b/2', '/l/b/3'],
      );
      assert.equal(await s.count('/l/b/'), 3);
      const old = await s.list('/l/b/', { revision: mid.modRevision });
      assert.deepEqual(
        old.items.map((i) => i.key),
        ['/l/b/1', '/l/b/2'],
      );
      await s.delete('/l/b/1');
      assert.equal(await s.count('/l/b/'), 2);
    }));

  test(`${name}: pagination is consistent at one revision while writes continue`, () =>
    withStore(open, async (s) => {
      for (let i = 0; i < 10; i++) await s.create(`/p/${i}`, String(i));
      const p1 = await s.list('/p/', { limit: 4 });
      assert.equal(p1.items.length, 4);
      // remaining is optional (only where the backend has it for free), but never wrong.
      if (p1.remaining !== undefined) assert.equal(p1.remaining, 6);
      assert.ok(p1.continueKey);
      await s.create('/p/99', 'late');
      await s.delete('/p/5');
      const p2 = await s.list('/p/', { limit: 4, revision: p1.revision, continueKey: p1.continueKey });
      const p3 = await s.list('/p/', { limit: 4, revision: p1.revision, continueKey: p2.continueKey });
      if (p2.remaining !== undefined) assert.equal(p2.remaining, 2);
      const keys = [...p1.items, ...p2.items, ...p3.items].map((i) => i.key);
      assert.deepEqual(keys, ['/p/0', '/p/1', '/p/2', '/p/3', '/p/4', '/p/5', '/p/6', '/p/7', '/p/8', '/p/9']);
      assert.equal(p3.continueKey, undefined);
    }));

  test(`${name}: paging one key at a time visits every live key once, skipping updated and deleted ones`, () =>
    withStore(open, async (s) => {
      await s.create('/q/', 'before the prefix');
      for (let i = 0; i < 6; i++) await s.create(`/q/x/${i}`, String(i));
      const two = (await s.get('/q/x/2'))!;
      await s.update('/q/x/2', 'two', two.modRevision);
      await s.delete('/q/x/3');
      await s.create('/q/y', 'after the prefix');
      const seen: string[] = [];
      let page = await s.list('/q/x/', { limit: 1 });
      const revision = page.revision;
      for (;;) {
        assert.ok(page.items.length <= 1);
        seen.push(...page.items.map((i) => `${i.key}=${i.value}`));
        if (!page.continueKey) break;
        page = await s.list('/q/x/', { limit: 1, revision, continueKey: page.continueKey });
      }
      assert.deepEqual(seen, ['/q/x/0=0', '/q/x/1=1', '/q/x/2=two', '/q/x/4=4', '/q/x/5=5']);
    }));

  test(`${name}: a continue key outside the listed prefix is refused; a future revision is FutureRevision, not Compacted`, () =>
    withStore(open, async (s) => {
      await s.create('/r/secrets/a', 'secret');
      await s.create('/r/services/a', 'service');
      await assert.rejects(s.list('/r/services/', { continueKey: '/r/secrets/' }), RangeError);
      await assert.rejects(s.list('/r/services/', { continueKey: '/r/' }), RangeError);
      const now = await s.currentRevision();
      await assert.rejects(s.list('/r/', { revision: now + 1000 }), (e: unknown) => e instanceof FutureRevisionError && e.requested === now + 1000 && e.current >= now);
      assert.deepEqual(
        (await s.list('/r/', { revision: now })).items.map((i) => i.key),
        ['/r/secrets/a', '/r/services/a'],
      );
    }));

  test(`${name}: watch replays history after a revision, then streams live events`, () =>
    withStore(open, async (s) => {
      const start = await s.currentRevision();
      const a = await s.create('/w/a', '1');
      await s.create('/other/x', 'x');
      await s.update('/w/a', '2', a.modRevision);
      const w = collect(s, '/w/', start);
      await w.until(2);
      await s.delete('/w/a');
      await s.create('/w/b', 'b');
      await w.until(4);
      w.close();
      assert.deepEqual(
        w.events.map((e) => `${e.type} ${e.kv.key} ${e.kv.value}`),
        ['put /w/a 1', 'put /w/a 2', 'delete /w/a 2', 'put /w/b b'],
      );
      const revs = w.events.map((e) => e.kv.modRevision);
      assert.deepEqual(
        revs,
        [...revs].sort((x, y) => x - y),
      );
      assert.equal(w.events[1].prevKv?.value, '1');
      assert.equal(w.events[2].prevKv?.value, '2');
      // From the middle: only later events.
      const w2 = collect(s, '/w/', w.events[1].kv.modRevision);
      await w2.until(2);
      w2.close();
      assert.deepEqual(
        w2.events.map((e) => e.type),
        ['delete', 'put'],
      );
    }));

  test(`${name}: compaction keeps current data; older revisions are Gone`, () =>
    withStore(open, async (s) => {
      const a = await s.create('/k/a', '1');
      const a2 = await s.update('/k/a', '2', a.modRevision);
      await s.create('/k/b', 'b');
      await s.delete('/k/b');
      const now = await s.currentRevision();
      await s.compact(now);
      assert.equal(await s.compactedRevision(), now);
      assert.equal((await s.get('/k/a'))!.value, '2');
      assert.deepEqual(
        (await s.list('/k/')).items.map((i) => i.key),
        ['/k/a'],
      );
      await assert.rejects(s.list('/k/', { revision: a2.modRevision - 1 }), CompactedError);
      // A watch from a compacted revision fails, at once or through onError.
      const failed = await new Promise<Error | undefined>((resolve) => {
        try {
          const w0 = s.watch('/k/', { afterRevision: a.modRevision, onEvents: () => resolve(undefined), onError: (e) => resolve(e) });
          setTimeout(() => {
            w0.close();
            resolve(undefined);
          }, 3000);
        } catch (e) {
          resolve(e as Error);
        }
      });
      assert.ok(failed instanceof CompactedError, `expected CompactedError, got ${failed}`);
      const w = collect(s, '/k/', now);
      await s.update('/k/a', '3', a2.modRevision);
      await w.until(1);
      w.close();
    }));
}
