// The controller runtime with fake informers (a factory over a fake API client whose list
// resolves when the test says): workers only after sync, none after stop, watches mapped to keys,
// requeueAfter, terminal errors, retries and the owner-enqueue helper.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { InformerLike } from '../client/informer.js';
import { R } from '../client/resources.js';
import type { RestClient, WatchEvent } from '../client/rest.js';
import { logger } from '../util/log.js';
import { Controller, ownKey, TerminalError, type ReconcileResult } from './controller.js';

function fakeApi(items: Record<string, KObject[]>) {
  const lists: (() => void)[] = [];
  const emitters = new Map<string, (e: WatchEvent) => void>();
  const client = {
    list(r: { plural: string }) {
      return new Promise((resolve) => lists.push(() => resolve({ items: items[r.plural] ?? [], metadata: { resourceVersion: '1' } })));
    },
    watch(r: { plural: string }, _ns: unknown, _q: unknown, onEvent: (e: WatchEvent) => void) {
      emitters.set(r.plural, onEvent);
      return { done: new Promise(() => {}), abort() {} };
    },
  } as unknown as RestClient;
  return {
    client,
    releaseLists: () => {
      for (const f of lists.splice(0)) f();
    },
    emit: (plural: string, e: WatchEvent) => emitters.get(plural)!(e),
  };
}

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
const obj = (name: string, extra: Partial<KObject['metadata']> = {}): KObject => ({ metadata: { namespace: 'ns', name, uid: `uid-${name}`, resourceVersion: '1', ...extra } });

class Recorder extends Controller {
  seen: string[] = [];
  // biome-ignore lint/suspicious/noConfusingVoidType: a scripted result that returns nothing, as reconcile may
  results = new Map<string, () => ReconcileResult | void>();
  readonly rs: InformerLike;
  constructor(factory: InformerFactory) {
    super('recorder', logger('test'), factory, 1);
    this.rs = this.informers.informer(R.replicasets);
    const pods = this.informers.informer(R.pods);
    this.watch(this.rs, ownKey);
    this.watch(pods, (old, p) => this.controllerOwnerKey((p ?? old)!, 'ReplicaSet', this.rs));
  }
  protected async reconcile(key: string) {
    this.seen.push(key);
    return this.results.get(key)?.();
  }
}

describe('Controller runtime', () => {
  it('runs workers only once every cache has synced, and maps watched changes to keys', async () => {
    const api = fakeApi({ replicasets: [obj('rs1')], pods: [obj('p1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'uid-rs1', controller: true }] })] });
    const f = new InformerFactory(api.client, logger('test'));
    const c = new Recorder(f);
    c.start();
    await tick();
    assert.deepEqual(c.seen, []);
    api.releaseLists();
    await tick();
    assert.equal(c.isRunning, true);
    assert.deepEqual(c.seen, ['ns/rs1']);
    // A pod owned by a ReplicaSet with another uid (a namesake) maps to nothing.
    api.emit('pods', { type: 'ADDED', object: obj('p2', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'other', controller: true }] }) });
    api.emit('pods', { type: 'MODIFIED', object: obj('p1', { resourceVersion: '2', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'uid-rs1', controller: true }] }) });
    await tick();
    assert.deepEqual(c.seen, ['ns/rs1', 'ns/rs1']);
    c.stop();
    f.stop();
  });

  it('starts no worker when stopped before its caches synced, and drops its handlers', async () => {
    const api = fakeApi({ replicasets: [obj('rs1')] });
    const f = new InformerFactory(api.client, logger('test'));
    const other = f.scope('other');
    other.informer(R.replicasets); // keeps the informer alive after the controller leaves
    const c = new Recorder(f);
    c.start();
    c.stop();
    api.releaseLists();
    await tick();
    api.emit('replicasets', { type: 'ADDED', object: obj('rs2') });
    await tick();
    assert.deepEqual(c.seen, []);
    assert.equal(c.isRunning, false);
    f.stop();
  });

  it('requeues after the asked delay, retries failures and gives up on terminal errors', async () => {
    const api = fakeApi({ replicasets: [obj('later'), obj('bad'), obj('flaky')] });
    const f = new InformerFactory(api.client, logger('test'));
    const c = new Recorder(f);
    let flaky = 0;
    c.results.set('ns/later', () => (c.seen.filter((k) => k === 'ns/later').length === 1 ? { requeueAfter: 1 } : undefined));
    c.results.set('ns/bad', () => {
      throw new TerminalError('invalid');
    });
    c.results.set('ns/flaky', () => {
      if (++flaky < 3) throw new Error('try again');
    });
    c.start();
    api.releaseLists();
    const end = Date.now() + 5000;
    while (Date.now() < end && (c.seen.filter((k) => k === 'ns/later').length < 2 || flaky < 3)) await new Promise((r) => setTimeout(r, 5));
    assert.equal(c.seen.filter((k) => k === 'ns/later').length, 2);
    assert.equal(flaky, 3);
    assert.equal(c.seen.filter((k) => k === 'ns/bad').length, 1);
    c.stop();
    f.stop();
  });
});
