import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../store/types.js';
import { componentStatusObject, leaseHealth, storeHealth } from './component-statuses.js';
import { deprecatedResources } from './deprecation.js';

const lease = (spec: Record<string, unknown>) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'gifee-scheduler', namespace: 'kube-system' }, spec });
const now = Date.parse('2026-01-01T00:01:00Z');

test('a component is healthy while its Lease is held and renewed within its duration', () => {
  assert.deepEqual(leaseHealth(lease({ holderIdentity: 'host_1', renewTime: '2026-01-01T00:00:55.000000Z', leaseDurationSeconds: 15 }), 'gifee-scheduler', now), { healthy: true, message: 'ok' });
  const stale = leaseHealth(lease({ holderIdentity: 'host_1', renewTime: '2026-01-01T00:00:00.000000Z', leaseDurationSeconds: 15 }), 'gifee-scheduler', now);
  assert.equal(stale.healthy, false);
  assert.match(stale.error!, /last renewed 60s ago \(lease duration 15s\)/);
  assert.match(leaseHealth(undefined, 'gifee-scheduler', now).error!, /Lease kube-system\/gifee-scheduler not found/);
  assert.match(leaseHealth(lease({ renewTime: '2026-01-01T00:00:55Z' }), 'gifee-scheduler', now).error!, /no holder/);
  assert.match(leaseHealth(lease({ holderIdentity: 'h' }), 'gifee-scheduler', now).error!, /never renewed/);
});

test('the store is probed with a read, bounded in time, and SQLite says it is SQLite', async () => {
  const store = (backend: 'sqlite' | 'etcd', rev: () => Promise<number>) => ({ backend, currentRevision: rev }) as unknown as Store;
  assert.deepEqual(await storeHealth(store('etcd', async () => 7)), { healthy: true, message: 'ok' });
  const sqlite = await storeHealth(store('sqlite', async () => 7));
  assert.ok(sqlite.healthy);
  assert.match(sqlite.message!, /SQLite/);
  const down = await storeHealth(store('etcd', () => Promise.reject(new Error('connection refused'))));
  assert.deepEqual(down, { healthy: false, error: 'etcd: connection refused' });
  const hung = await storeHealth(
    store('etcd', () => new Promise(() => {})),
    50,
  );
  assert.deepEqual(hung, { healthy: false, error: 'etcd: no answer in 50 ms' });
});

test('ComponentStatus objects carry one Healthy condition, and the kind is deprecated', () => {
  assert.deepEqual(componentStatusObject('etcd-0', { healthy: false, error: 'x' }), { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'False', error: 'x' }] });
  assert.equal(deprecatedResources.get('/componentstatuses'), 'v1 ComponentStatus is deprecated in v1.19+');
});
