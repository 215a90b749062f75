import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GRPCDeadlineExceededError, GRPCOutOfRangeError, GRPCUnavailableError } from 'etcd3';
import { storeContract } from '../contract.js';
import { UnavailableError } from '../types.js';
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
