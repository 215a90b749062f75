import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GRPCDeadlineExceededError, GRPCOutOfRangeError, GRPCUnavailableError } from 'etcd3';
import { storeContract } from '../contract.js';
import { ConflictError, KeyExistsError, UnavailableError } from '../types.js';
import { EtcdStore, isUnavailable } from './store.js';

test('etcd unavailability is recognised by error class, not message', () => {
  assert.equal(isUnavailable(new GRPCUnavailableError('x')), true);
  assert.equal(isUnavailable(new GRPCDeadlineExceededError('x')), true);
  assert.equal(isUnavailable(new GRPCOutOfRangeError('14 UNAVAILABLE: deadline')), false);
  assert.equal(isUnavailable(new Error('14 UNAVAILABLE: No connection established')), false);
});

test('an etcd nobody listens on is an UnavailableError', async () => {
  const s = new EtcdStore(['127.0.0.1:1']);
  try {
    await assert.rejects(s.ready(), UnavailableError);
  } finally {
    await s.close();
  }
});
import { etcdBinary, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';

if (!existsSync(etcdBinary())) {
  test('etcd store contract', { skip: 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, () => {});
} else {
  let etcd: EtcdProcess;
  let n = 0;
  const opened: EtcdStore[] = [];
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const s of opened) await s.close();
    await etcd?.stop();
  });
  // Each test gets its own key space on the shared etcd, so they cannot see each other's keys.
  storeContract('etcd', async () => {
    const store = new EtcdStore(etcd.endpoints);
    await store.ready();
    opened.push(store);
    const ns = `/t${++n}`;
    return { store: prefixed(store, ns), cleanup: async () => {} };
  });

  // Faults injected around the real transaction: etcd3's kv.txn wrapped to fail before sending (not
  // applied) or after etcd answered (applied, answer lost), as a deadline on a dead leader would.
  const faulty = async (callTimeoutMs = 1000) => {
    const store = new EtcdStore(etcd.endpoints, undefined, { callTimeoutMs, retryBudgetMs: 4000 });
    await store.ready();
    opened.push(store);
    const kv = clientOf(store, etcd.endpoints[0]).kv as unknown as { txn: (...a: unknown[]) => Promise<unknown> };
    const real = kv.txn.bind(kv);
    const plan: ('lost-before' | 'lost-after' | 'ok')[] = [];
    let calls = 0;
    kv.txn = async (...a: unknown[]) => {
      calls++;
      const step = plan.shift() ?? 'ok';
      if (step === 'lost-before') throw new GRPCDeadlineExceededError('injected: deadline before etcd got it');
      const r = await real(...a);
      if (step === 'lost-after') throw new GRPCDeadlineExceededError('injected: deadline after etcd applied it');
      return r;
    };
    return { store, plan, calls: () => calls, key: `/fault${++n}/k` };
  };

  test('etcd store: a create applied but unanswered is acknowledged once, with its revision', async () => {
    const f = await faulty();
    f.plan.push('lost-after');
    const kv = await f.store.create(f.key, 'v1');
    const got = await f.store.get(f.key);
    assert.deepEqual(kv, got);
    assert.equal(f.calls(), 1, 'not sent again');
  });

  test('etcd store: a create not applied is not retried blind: unavailable, nothing stored', async () => {
    const f = await faulty();
    f.plan.push('lost-before');
    await assert.rejects(f.store.create(f.key, 'v1'), (e: Error) => e instanceof UnavailableError && /outcome of this write is unknown/.test(e.message));
    assert.equal(await f.store.get(f.key), null);
  });

  test('etcd store: a create that lost to another value is KeyExists', async () => {
    const f = await faulty();
    await f.store.create(f.key, 'theirs');
    f.plan.push('lost-before');
    await assert.rejects(f.store.create(f.key, 'ours'), KeyExistsError);
  });

  test('etcd store: an update not applied is retried under its compare; one applied but unanswered is acknowledged, even after a later write', async () => {
    const f = await faulty();
    const c = await f.store.create(f.key, 'v1');
    f.plan.push('lost-before', 'ok');
    const u = await f.store.update(f.key, 'v2', c.modRevision);
    assert.equal(f.calls(), 3, 'the create, then the update sent twice');
    assert.deepEqual(await f.store.get(f.key), u);
    // Applied, answer lost, and someone else wrote on top before the read-back: still ours, at its revision.
    const kv = clientOf(f.store, etcd.endpoints[0]).kv as unknown as { txn: (...a: unknown[]) => Promise<unknown> };
    const wrapped = kv.txn;
    let u3rev = 0;
    kv.txn = async (...a: unknown[]) => {
      try {
        return await wrapped(...a);
      } finally {
        kv.txn = wrapped;
        const cur = (await f.store.get(f.key))!;
        u3rev = cur.modRevision;
        await f.store.update(f.key, 'theirs', cur.modRevision);
      }
    };
    f.plan.push('lost-after');
    const u3 = await f.store.update(f.key, 'v3', u.modRevision);
    assert.equal(u3.modRevision, u3rev);
    assert.equal(u3.value, 'v3');
    assert.equal((await f.store.get(f.key))!.value, 'theirs');
    // An update that lost to another write while unanswered is a conflict.
    const cur = (await f.store.get(f.key))!;
    await f.store.update(f.key, 'other', cur.modRevision);
    f.plan.push('lost-before');
    await assert.rejects(f.store.update(f.key, 'late', cur.modRevision), ConflictError);
  });

  test('etcd store: a create applied, then deleted before the read-back, is not brought back', async () => {
    const f = await faulty();
    const kv = clientOf(f.store, etcd.endpoints[0]).kv as unknown as { txn: (...a: unknown[]) => Promise<unknown> };
    const wrapped = kv.txn;
    kv.txn = async (...a: unknown[]) => {
      try {
        return await wrapped(...a);
      } finally {
        kv.txn = wrapped;
        await f.store.delete(f.key);
      }
    };
    f.plan.push('lost-after');
    await assert.rejects(f.store.create(f.key, 'v1'), UnavailableError);
    assert.equal(await f.store.get(f.key), null);
  });

  test('etcd store: an unconditional delete with an unknown outcome is not retried', async () => {
    const f = await faulty();
    await f.store.create(f.key, 'v1');
    f.plan.push('lost-after');
    await assert.rejects(f.store.delete(f.key), UnavailableError);
    assert.equal(f.calls(), 2, 'the create and the one delete');
    assert.equal(await f.store.get(f.key), null);
  });

  // Failover between members: the first endpoint (the server's own member) does not answer, the
  // second is the real etcd. The same etcd stands for "the other members" (one cluster either way).
  test('etcd store: reads and writes go to the next endpoint while the first is down; it is preferred again once it answers', async () => {
    const refused = '127.0.0.1:1';
    const store = new EtcdStore([refused, ...etcd.endpoints], undefined, { callTimeoutMs: 1000, retryBudgetMs: 4000, probeIntervalMs: 100 });
    opened.push(store);
    await store.ready();
    assert.deepEqual(store.endpointOrder(), [...etcd.endpoints, refused], 'the refused endpoint is marked down');
    const key = `/failover${++n}/k`;
    const created = await store.create(key, 'v1');
    assert.deepEqual(await store.get(key), created);
    const updated = await store.update(key, 'v2', created.modRevision);
    assert.equal((await store.get(key))?.value, 'v2');
    assert.equal(updated.createRevision, created.createRevision);
    // A watch opens on the member preferred now and sees writes.
    const seen: string[] = [];
    const w = store.watch(key, { afterRevision: updated.modRevision, onEvents: (evs) => seen.push(...evs.map((e) => e.kv.value)) });
    await store.update(key, 'v3', updated.modRevision);
    for (let i = 0; i < 100 && !seen.includes('v3'); i++) await new Promise((r) => setTimeout(r, 50));
    w.close();
    assert.deepEqual(seen, ['v3']);
    // "Back": the first endpoint's client now reaches etcd (its calls go to the real one); the probe finds it.
    const real = clientOf(store, etcd.endpoints[0]).kv;
    clientOf(store, refused).kv.range = real.range.bind(real) as never;
    for (let i = 0; i < 50 && store.endpointOrder()[0] !== refused; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(store.endpointOrder(), [refused, ...etcd.endpoints], 'preferred again');
  });

  test('etcd store: a write whose answer the first member lost is looked up through the next one: acknowledged once', async () => {
    const own = '127.0.0.1:1';
    const store = new EtcdStore([own, ...etcd.endpoints], undefined, { callTimeoutMs: 1000, retryBudgetMs: 4000 });
    opened.push(store);
    // The own member's client answers reads and applies transactions through the real etcd, but loses the
    // answer of the first transaction (as a deadline would); the read-back then goes to the next endpoint.
    const real = clientOf(store, etcd.endpoints[0]).kv;
    const ownKv = clientOf(store, own).kv;
    ownKv.range = real.range.bind(real) as never;
    let txns = 0;
    ownKv.txn = (async (...a: Parameters<typeof real.txn>) => {
      txns++;
      await real.txn(...a);
      throw new GRPCDeadlineExceededError('injected: deadline after etcd applied it');
    }) as never;
    await store.ready();
    assert.equal(store.endpointOrder()[0], own);
    const key = `/failover${++n}/k`;
    const kv = await store.create(key, 'v1');
    assert.equal(txns, 1, 'not sent again');
    assert.deepEqual(store.endpointOrder(), [...etcd.endpoints, own], 'the own member is marked down after the lost answer');
    assert.deepEqual(await store.get(key), kv);
  });

  test('etcd store: a call to a member that does not answer gives up at its deadline', async () => {
    // A listener that accepts and never answers (a member cut off from a dead leader looks the same to us).
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const srv = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as import('node:net').AddressInfo).port;
    const s = new EtcdStore([`127.0.0.1:${port}`], undefined, { callTimeoutMs: 300, retryBudgetMs: 1000 });
    const t = Date.now();
    try {
      await assert.rejects(s.get('/x'), UnavailableError);
      assert.ok(Date.now() - t < 3000, `gave up after ${Date.now() - t} ms`);
    } finally {
      await s.close();
      for (const x of sockets) x.destroy();
      srv.close();
    }
  });
}

/** The store's etcd3 client of one endpoint (made on first use), for injecting faults. */
function clientOf(s: EtcdStore, endpoint: string): import('etcd3').Etcd3 {
  return s.members.client(endpoint);
}

/** A view of a store under a key prefix (tests share one etcd). */
function prefixed(s: EtcdStore, ns: string): EtcdStore {
  const strip = <T extends { key: string }>(kv: T): T => ({ ...kv, key: kv.key.slice(ns.length) });
  return new Proxy(s, {
    get(target, prop, recv) {
      const orig = Reflect.get(target, prop, recv);
      if (typeof orig !== 'function') return orig;
      switch (prop) {
        case 'get':
          return async (k: string) => {
            const r = await target.get(ns + k);
            return r && strip(r);
          };
        case 'create':
          return async (k: string, v: string) => strip(await target.create(ns + k, v));
        case 'update':
          return async (k: string, v: string, e: number) => strip(await target.update(ns + k, v, e));
        case 'delete':
          return async (k: string, e?: number) => strip(await target.delete(ns + k, e));
        case 'count':
          return (p: string) => target.count(ns + p);
        case 'list':
          return async (p: string, o: any = {}) => {
            const r = await target.list(ns + p, { ...o, continueKey: o.continueKey ? ns + o.continueKey : undefined });
            return { ...r, items: r.items.map(strip), continueKey: r.continueKey?.slice(ns.length) };
          };
        case 'watch':
          return (p: string, o: any) => target.watch(ns + p, { ...o, onEvents: (evs: any[]) => o.onEvents(evs.map((e) => ({ ...e, kv: strip(e.kv), prevKv: e.prevKv && strip(e.prevKv) }))) });
        case 'close':
          return async () => {};
        default:
          return orig.bind(target);
      }
    },
  });
}
