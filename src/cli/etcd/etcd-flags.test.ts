import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { managedEtcdOf } from './etcd-flags.js';
import { validPeerUrl } from './join-handler.js';
import { checkManagedEtcdDataDir } from './managed-etcd.js';
import { parseServerToken, secretMatches } from './server-token.js';
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

test("member state round-trips; a damaged one, or a joined member's is refused with the reason", async () => {
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
    // A SQLite data dir is not refused: its store moves into the new member (test/e2e/sqlite-to-etcd.test.ts).
    await writeFile(join(dir, 'state.db'), '');
    await checkManagedEtcdDataDir(dir, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('joining: --server with --token-file, never with --cluster-init or an external store', () => {
  assert.deepEqual(managedEtcdOf({ server: 'https://127.0.0.1:6443/', 'token-file': 'f' }), { clusterInit: false, clientPort: 2379, peerPort: 2380, join: { server: 'https://127.0.0.1:6443', tokenFile: 'f' } });
  assert.throws(() => managedEtcdOf({ server: 'https://127.0.0.1:6443' }), /needs both --server/);
  assert.throws(() => managedEtcdOf({ 'token-file': 'f' }), /needs both --server/);
  assert.throws(() => managedEtcdOf({ server: 'https://127.0.0.1:6443', 'token-file': 'f', 'cluster-init': true }), /pass one of them/);
  assert.throws(() => managedEtcdOf({ server: 'http://127.0.0.1:6443', 'token-file': 'f' }), /https:\/\/ADDRESS:PORT/);
  assert.throws(() => managedEtcdOf({ server: 'https://127.0.0.1:6443', 'token-file': 'f', 'etcd-endpoints': 'https://x:1' }), /drop --store/);
});

test('the server token: parsed, a node token or garbage refused with what to use; secrets compared in constant time', () => {
  const hash = 'a'.repeat(64);
  const secret = 'b'.repeat(64);
  assert.deepEqual(parseServerToken(`K10${hash}::server:${secret}\n`), { caHash: hash, secret });
  assert.throws(() => parseServerToken(`K10${hash}::abcdef.0123456789abcdef`), /this is a node token/);
  assert.throws(() => parseServerToken('nonsense'), /server token is malformed/);
  assert.equal(secretMatches(secret, secret), true);
  assert.equal(secretMatches(secret.slice(1), secret), false);
  assert.equal(secretMatches('c'.repeat(64), secret), false);
});

test('a joining peer URL: https, an address and a port, nothing else', () => {
  assert.equal(validPeerUrl('https://127.0.0.2:2380'), true);
  assert.equal(validPeerUrl('https://[::1]:2380'), true);
  for (const bad of ['http://127.0.0.2:2380', 'https://127.0.0.2', 'https://0.0.0.0:2380', 'https://a:1/x', 'https://u@a:1', 'x', 42, `https://${'a'.repeat(300)}:1`]) assert.equal(validPeerUrl(bad), false, String(bad));
});
