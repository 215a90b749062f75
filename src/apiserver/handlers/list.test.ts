// LIST and WATCH against an in-process API over each store backend (SQLite, and a real etcd on
// loopback): continue tokens confined to the list's prefix, Kubernetes' answers to compacted tokens,
// future resourceVersions and malformed query parameters, and big lists streamed in order.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../store/types.js';
import { SqliteStore } from '../../store/sqlite/store.js';
import { EtcdStore } from '../../store/etcd/store.js';
import { etcdBinary, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';
import { startTestApi, type TestApi } from '../list/harness.js';

const cm = (name: string, ns = 'default') => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' }, data: { k: name } });
const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const TABLE = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };

function suite(backend: 'sqlite' | 'etcd', open: () => Promise<{ store: Store; done: () => Promise<void> }>) {
  describe(`list and watch [${backend}]`, () => {
    let store: Store;
    let api: TestApi;
    let done: () => Promise<void>;
    before(async () => {
      ({ store, done } = await open());
      // Waits for a future resourceVersion are 3 s in production; a fraction of that keeps this suite quick.
      api = await startTestApi(store, { listFreshWaitMs: 300 });
    });
    after(async () => {
      await api?.close();
      await store?.close();
      await done?.();
    });

    test('a forged continue token cannot reach other resources or namespaces', async () => {
      await store.create('/registry/core/secrets/default/db-password', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password', namespace: 'default' }, data: { p: 'aHVudGVyMg==' } }));
      await store.create('/registry/core/configmaps/other/theirs', cm('theirs', 'other'));
      await store.create('/registry/core/configmaps/default/mine', cm('mine'));
      const rv = await store.currentRevision();
      for (const start of ['/registry/core/secrets/', '/registry/core/', '../../secrets/default/', '../other/', 'a/../../../secrets/', '//x']) {
        const r = await api.request('GET', `/api/v1/namespaces/default/configmaps?limit=10&continue=${token({ v: 'meta.k8s.io/v1', rv, start })}`);
        assert.equal(r.status, 400, `${start}: ${r.body}`);
        assert.equal(r.json.kind, 'Status');
        assert.equal(r.json.reason, 'BadRequest');
        assert.match(r.json.message, /^invalid continue token: continue key is not valid/);
        assert.doesNotMatch(r.body, /hunter2|aHVudGVyMg|theirs/);
      }
      for (const bad of ['%%%', 'e30', token({ v: 'meta.k8s.io/v1', rv: 0, start: 'x' }), token({ v: 'meta.k8s.io/v1', rv, start: '' })]) {
        const r = await api.request('GET', `/api/v1/namespaces/default/configmaps?continue=${encodeURIComponent(bad)}`);
        assert.equal(r.status, 400, r.body);
        assert.match(r.json.message, /^invalid continue token: continue key is not valid/);
      }
      // A token from an all-namespaces list used on one namespace stays inside that namespace.
      const all = await api.request('GET', '/api/v1/configmaps?limit=1');
      const r = await api.request('GET', `/api/v1/namespaces/default/configmaps?limit=10&continue=${all.json.metadata.continue}`);
      assert.equal(r.status, 200);
      assert.ok(r.json.items.every((i: any) => i.metadata.namespace === 'default'));
      const withRv = await api.request('GET', `/api/v1/namespaces/default/configmaps?continue=${all.json.metadata.continue}&resourceVersion=5`);
      assert.equal(withRv.status, 400);
      assert.equal(withRv.json.message, 'specifying resource version is not allowed when using continue');
    });

    test('paging one item at a time returns every item once, at one resourceVersion', async () => {
      for (let i = 0; i < 25; i++) await store.create(`/registry/core/configmaps/paging/c${String(i).padStart(3, '0')}`, cm(`c${String(i).padStart(3, '0')}`, 'paging'));
      const names: string[] = [];
      let r = await api.request('GET', '/api/v1/namespaces/paging/configmaps?limit=1');
      const rv = r.json.metadata.resourceVersion;
      await store.create('/registry/core/configmaps/paging/late', cm('late', 'paging'));
      for (;;) {
        assert.equal(r.status, 200, r.body);
        assert.equal(r.json.metadata.resourceVersion, rv);
        assert.ok(r.json.items.length <= 1);
        names.push(...r.json.items.map((i: any) => i.metadata.name));
        const left = r.json.metadata.remainingItemCount;
        // Kubernetes may leave the count out; when it is there it must be right.
        if (left !== undefined) assert.equal(left, 25 - names.length);
        if (!r.json.metadata.continue) break;
        r = await api.request('GET', `/api/v1/namespaces/paging/configmaps?limit=1&continue=${r.json.metadata.continue}`);
      }
      assert.deepEqual(
        names,
        Array.from({ length: 25 }, (_, i) => `c${String(i).padStart(3, '0')}`),
      );
      // Selectors filter inside the page loop: limit counts matches.
      const sel = await api.request('GET', '/api/v1/namespaces/paging/configmaps?limit=2&fieldSelector=metadata.name%3Dc010');
      assert.deepEqual(
        sel.json.items.map((i: any) => i.metadata.name),
        ['c010'],
      );
    });

    test('a continue token whose revision was compacted is 410 Expired with a token for the rest', async () => {
      for (let i = 0; i < 4; i++) await store.create(`/registry/core/configmaps/compact/c${i}`, cm(`c${i}`, 'compact'));
      const p1 = await api.request('GET', '/api/v1/namespaces/compact/configmaps?limit=2');
      await store.create('/registry/core/configmaps/compact/c9', cm('c9', 'compact'));
      const cur = (await store.get('/registry/core/configmaps/compact/c3'))!;
      await store.update(cur.key, cm('c3-updated', 'compact'), cur.modRevision);
      await store.compact(await store.currentRevision());
      const r = await api.request('GET', `/api/v1/namespaces/compact/configmaps?limit=2&continue=${p1.json.metadata.continue}`);
      assert.equal(r.status, 410, r.body);
      assert.equal(r.json.reason, 'Expired');
      assert.match(r.json.message, /^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token in this response/);
      const fresh = r.json.metadata.continue;
      assert.equal(JSON.parse(Buffer.from(fresh, 'base64url').toString()).rv, -1);
      const rest = await api.request('GET', `/api/v1/namespaces/compact/configmaps?limit=10&continue=${fresh}`);
      assert.equal(rest.status, 200, rest.body);
      assert.deepEqual(
        rest.json.items.map((i: any) => i.metadata.name),
        ['c2', 'c3-updated', 'c9'],
      );
      assert.equal(Number(rest.json.metadata.resourceVersion), await store.currentRevision());
      const old = await api.request('GET', `/api/v1/namespaces/compact/configmaps?limit=1&resourceVersion=${p1.json.metadata.resourceVersion}`);
      assert.equal(old.status, 410);
      assert.equal(old.json.message, 'The resourceVersion for the provided list is too old.');
    });

    test('a resourceVersion the store has not reached is 504 Too large resource version, after a wait', async () => {
      const now = await store.currentRevision();
      const future = now + 1000;
      for (const path of [
        `/api/v1/namespaces/default/configmaps/mine?resourceVersion=${future}`,
        `/api/v1/namespaces/default/configmaps?resourceVersion=${future}`,
        `/api/v1/namespaces/default/configmaps?resourceVersion=${future}&resourceVersionMatch=Exact`,
        `/api/v1/namespaces/default/configmaps?resourceVersion=${future}&limit=5`,
      ]) {
        const r = await api.request('GET', path);
        assert.equal(r.status, 504, `${path}: ${r.body}`);
        assert.equal(r.json.reason, 'Timeout');
        assert.match(r.json.message, new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`));
        assert.deepEqual(r.json.details.causes, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
        assert.equal(r.json.details.retryAfterSeconds, 1);
        assert.equal(r.headers['retry-after'], '1');
      }
      // A revision reached while the request waits is served.
      const soon = api.request('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${now + 1}`);
      await store.create('/registry/core/configmaps/default/soon', cm('soon'));
      const r = await soon;
      assert.equal(r.status, 200, r.body);
      assert.ok(r.json.items.some((i: any) => i.metadata.name === 'soon'));
      // A watch-list from the future fails the Kubernetes way: an ERROR event with the 504.
      const lines = await api.watch(`/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${future}`, (ls) => ls.length > 0);
      assert.equal(lines[0].type, 'ERROR');
      assert.equal(lines[0].object.code, 504);
      // A plain watch from a revision ahead of the store delivers only what comes after it.
      const base = await store.currentRevision();
      const w = api.watch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${base + 2}`, (ls) => ls.length > 0);
      await new Promise((r) => setTimeout(r, 100));
      for (const n of ['w1', 'w2', 'w3']) await store.create(`/registry/core/configmaps/default/${n}`, cm(n));
      const events = await w;
      assert.equal(events[0].object.metadata.name, 'w3');
    });

    test('a watch with sendInitialEvents=false and no resourceVersion starts now, not at the start of history', async () => {
      await store.create('/registry/core/configmaps/now/old', cm('old', 'now'));
      const w = api.watch('/api/v1/namespaces/now/configmaps?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (ls) => ls.some((l) => l.type !== 'BOOKMARK'));
      await new Promise((r) => setTimeout(r, 200));
      await store.create('/registry/core/configmaps/now/new', cm('new', 'now'));
      const events = (await w).filter((l) => l.type !== 'BOOKMARK');
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.name}`),
        ['ADDED new'],
      );
    });

    test("malformed query parameters are refused with Kubernetes' messages", async () => {
      const cases: [string, number, RegExp][] = [
        ['watch=1&timeoutSeconds=abc', 400, /^strconv\.ParseInt: parsing "abc": invalid syntax$/],
        ['limit=ten', 400, /^strconv\.ParseInt: parsing "ten": invalid syntax$/],
        ['resourceVersion=abc', 400, /^invalid resource version: resourceVersion: Invalid value: "abc"/],
        ['watch=1&resourceVersion=1x', 400, /^invalid resource version/],
        ['resourceVersionMatch=Exact', 422, /^ListOptions\.meta\.k8s\.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided$/],
        ['resourceVersion=1&resourceVersionMatch=Latest', 422, /Unsupported value: "Latest"/],
        ['sendInitialEvents=true', 422, /sendInitialEvents is forbidden for list/],
        ['watch=1&resourceVersionMatch=NotOlderThan', 422, /resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/],
        ['watch=1&sendInitialEvents=true&allowWatchBookmarks=true', 422, /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/],
      ];
      for (const [qs, code, message] of cases) {
        const r = await api.request('GET', `/api/v1/namespaces/default/configmaps?${qs}`);
        assert.equal(r.status, code, `${qs}: ${r.body}`);
        assert.equal(r.json.kind, 'Status');
        assert.match(r.json.message, message, qs);
        if (code === 422) assert.equal(r.json.details.kind, 'ListOptions');
      }
    });

    test('a big unpaged list streams every item in order, as JSON, Table and metadata, and lets other requests through', async () => {
      const n = 1500;
      await Promise.all(Array.from({ length: n }, (_, i) => store.create(`/registry/core/configmaps/big/b${String(i).padStart(5, '0')}`, cm(`b${String(i).padStart(5, '0')}`, 'big'))));
      const rv = await store.currentRevision();
      const want = Array.from({ length: n }, (_, i) => `b${String(i).padStart(5, '0')}`);
      let tinyDone = false;
      const listing = api.request('GET', '/api/v1/namespaces/big/configmaps').then((r) => ({ r, tinyWasDone: tinyDone }));
      const tiny = api.request('GET', '/api/v1/namespaces/default/configmaps/mine').then((r) => {
        tinyDone = true;
        return r;
      });
      const [{ r, tinyWasDone }, t] = await Promise.all([listing, tiny]);
      assert.equal(t.status, 200);
      assert.ok(tinyWasDone, 'a small GET finished while the big list was still streaming');
      assert.equal(r.status, 200);
      assert.equal(r.json.kind, 'ConfigMapList');
      assert.equal(r.json.metadata.resourceVersion, String(rv));
      assert.deepEqual(
        r.json.items.map((i: any) => i.metadata.name),
        want,
      );
      assert.equal(r.json.items[7].metadata.resourceVersion !== undefined, true);
      const table = await api.request('GET', '/api/v1/namespaces/big/configmaps', TABLE);
      assert.equal(table.json.kind, 'Table');
      assert.ok(table.json.columnDefinitions.length > 0);
      assert.deepEqual(
        table.json.rows.map((row: any) => row.object.metadata.name),
        want,
      );
      assert.equal(table.json.rows[0].cells[0], 'b00000');
      const meta = await api.request('GET', '/api/v1/namespaces/big/configmaps', { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
      assert.equal(meta.json.kind, 'PartialObjectMetadataList');
      assert.equal(meta.json.items.length, n);
      assert.equal(meta.json.items[0].data, undefined);
      const paged = await api.request('GET', '/api/v1/namespaces/big/configmaps?limit=700', TABLE);
      assert.equal(paged.json.rows.length, 700);
      assert.ok(paged.json.metadata.continue);
      // A watch's initial events come the same way.
      const lines = await api.watch('/api/v1/namespaces/big/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (ls) => ls.some((l) => l.type === 'BOOKMARK'));
      assert.deepEqual(
        lines.filter((l) => l.type === 'ADDED').map((l) => l.object.metadata.name),
        want,
      );
    });
  });
}

suite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-list-'));
  return { store: new SqliteStore(join(dir, 'state.db')), done: () => rm(dir, { recursive: true, force: true }) };
});

if (existsSync(etcdBinary())) {
  let etcd: EtcdProcess | undefined;
  suite('etcd', async () => {
    etcd = await startEtcd();
    const store = new EtcdStore(etcd.endpoints);
    await store.ready();
    return {
      store,
      done: async () => {
        await etcd?.stop();
      },
    };
  });
} else {
  test('list and watch [etcd]', { skip: 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, () => {});
}
