import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { managedEtcdOf } from './etcd-flags.js';
import { checkManagedEtcdDataDir } from './managed-etcd.js';
import { newMemberName, readMemberState, writeMemberState } from './member-state.js';

test('--cluster-init: default ports 2379/2380, others by flag; without it a member data dir still resumes', () => {
  assert.deepEqual(managedEtcdOf({ 'cluster-init': true }), { clusterInit: true, clientPort: 2379, peerPort: 2380 });
  assert.deepEqual(managedEtcdOf({ 'cluster-init': true, 'etcd-client-port': '12379', 'etcd-peer-port': '12380' }), { clusterInit: true, clientPort: 12379, peerPort: 12380 });
  assert.deepEqual(managedEtcdOf({}), { clusterInit: false, clientPort: 2379, peerPort: 2380 });
  assert.equal(managedEtcdOf({ store: 'etcd', 'etcd-endpoints': 'https://127.0.0.1:2379' }), undefined);
});

test('refused with what to do: an external store too, bad or equal ports, --restore-from', () => {
  assert.throws(() => managedEtcdOf({ 'cluster-init': true, store: 'sqlite' }), /drop --store and --etcd-endpoints/);
  assert.throws(() => managedEtcdOf({ 'cluster-init': true, 'etcd-endpoints': 'https://x:2379' }), /drop --store/);
  assert.throws(() => managedEtcdOf({ 'cluster-init': true, 'etcd-client-port': '0' }), /--etcd-client-port must be a port number/);
  assert.throws(() => managedEtcdOf({ 'cluster-init': true, 'etcd-peer-port': '2e3' }), /--etcd-peer-port must be a port number/);
  assert.throws(() => managedEtcdOf({ 'cluster-init': true, 'etcd-peer-port': '2379' }), /must differ/);
  assert.throws(() => managedEtcdOf({ 'cluster-init': true, 'restore-from': 'f' }), /cannot be combined with --cluster-init/);
  assert.throws(() => managedEtcdOf({ store: 'etcd', 'etcd-endpoints': 'https://x:2379', 'etcd-client-port': '1' }), /are for the managed etcd/);
});

test("member state round-trips; a damaged one, a joined member's or a SQLite data dir is refused with the reason", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-member-state-'));
  try {
    assert.equal(await readMemberState(dir), undefined);
    await checkManagedEtcdDataDir(dir, undefined);
    const name = newMemberName('Vm 1!');
    assert.match(name, /^vm-1--[0-9a-f]{8}$/);
    const state = { name, origin: 'join' as const, joinedFrom: 'https://127.0.0.1:6443', clientUrl: 'https://127.0.0.2:2379', peerUrl: 'https://127.0.0.2:2380' };
    await writeMemberState(dir, state);
    assert.deepEqual(await readMemberState(dir), state);
    await assert.rejects(checkManagedEtcdDataDir(dir, state), /joined through https:\/\/127\.0\.0\.1:6443; --cluster-init would found a new cluster/);
    await writeFile(join(dir, 'etcd', 'member.json'), '{"name": 1}');
    await assert.rejects(readMemberState(dir), /does not describe an etcd member/);
    await writeFile(join(dir, 'etcd', 'member.json'), '{');
    await assert.rejects(readMemberState(dir), /is not valid JSON/);
    await rm(join(dir, 'etcd'), { recursive: true });
    await mkdir(join(dir, 'etcd', 'data', 'member'), { recursive: true });
    await assert.rejects(checkManagedEtcdDataDir(dir, undefined), /holds etcd data but no member\.json/);
    await rm(join(dir, 'etcd'), { recursive: true });
    await writeFile(join(dir, 'state.db'), '');
    await assert.rejects(checkManagedEtcdDataDir(dir, undefined), /holds an embedded SQLite store/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
