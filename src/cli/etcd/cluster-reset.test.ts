import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdArgs } from './args.js';
import { checkResetDataDir, etcdctlRestoreArgs } from './cluster-reset.js';
import { managedEtcdOf } from './etcd-flags.js';

const spec = { name: 'vm1-0a1b2c3d', dataDir: '/d/etcd/data', listenAddress: '127.0.0.1', advertiseAddress: '127.0.0.1', clientPort: 12379, peerPort: 12380, pkiDir: '/d/pki', initialClusterState: 'new' as const, initialClusterToken: 'gifee-0011223344556677' };
const member = { name: 'vm1-0a1b2c3d', origin: 'join' as const, clientUrl: 'https://127.0.0.1:12379', peerUrl: 'https://127.0.0.1:12380' };

test('--cluster-reset and --restore FILE become reset settings; --restore needs --cluster-reset', () => {
  assert.deepEqual(managedEtcdOf({ 'cluster-reset': true }), { clusterInit: false, clientPort: 2379, peerPort: 2380, reset: {} });
  assert.deepEqual(managedEtcdOf({ 'cluster-reset': true, restore: 's.gifee-snapshot' }), { clusterInit: false, clientPort: 2379, peerPort: 2380, reset: { restore: 's.gifee-snapshot' } });
  assert.throws(() => managedEtcdOf({ restore: 's' }), /needs --cluster-reset; a SQLite snapshot restores with --restore-from/);
  assert.throws(() => managedEtcdOf({ 'cluster-reset': true, restore: '' }), /needs a snapshot file/);
  assert.throws(() => managedEtcdOf({ 'cluster-reset': true, store: 'etcd', 'etcd-endpoints': 'https://x:2379' }), /reset with etcd's tools/);
  assert.throws(() => managedEtcdOf({ 'cluster-reset': true, server: 'https://x:6443', 'token-file': 't' }), /cannot join another server/);
  assert.throws(() => managedEtcdOf({ 'cluster-reset': true, 'restore-from': 'f' }), /use --cluster-reset --restore FILE/);
});

test('a plain reset adds --force-new-cluster; a normal start does not', () => {
  assert.ok(etcdArgs({ ...spec, forceNewCluster: true }).includes('--force-new-cluster'));
  assert.ok(!etcdArgs(spec).includes('--force-new-cluster'));
});

test("etcdctl snapshot restore builds a new data dir of this member alone, at this member's peer URL", () => {
  assert.deepEqual(etcdctlRestoreArgs('/d/etcd/restore.db', '/d/etcd/data.restoring', spec), [
    'snapshot',
    'restore',
    '/d/etcd/restore.db',
    '--data-dir',
    '/d/etcd/data.restoring',
    '--name',
    'vm1-0a1b2c3d',
    '--initial-cluster',
    'vm1-0a1b2c3d=https://127.0.0.1:12380',
    '--initial-advertise-peer-urls',
    'https://127.0.0.1:12380',
    '--initial-cluster-token',
    'gifee-0011223344556677',
  ]);
});

test('refused with what to do: a SQLite data dir, a data dir without a member (unless restoring)', () => {
  assert.throws(() => checkResetDataDir('/d', undefined, true, false), /SQLite store.*gifee snapshot restore FILE --data-dir \/d/);
  assert.throws(() => checkResetDataDir('/d', undefined, true, true), /SQLite store.*into an empty --data-dir/);
  assert.throws(() => checkResetDataDir('/d', undefined, false, false), /nothing to reset.*--cluster-reset --restore FILE/);
  checkResetDataDir('/d', undefined, false, true);
  // A joined member may be reset: it becomes the founder of a cluster of one.
  checkResetDataDir('/d', member, false, false);
});
