import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientUrlOf, type EtcdMemberSpec, etcdArgs, hostPort, peerUrlOf, validMemberName } from './args.js';

const spec: EtcdMemberSpec = { name: 'vm1-0a1b2c3d', dataDir: '/d/etcd/data', listenAddress: '127.0.0.1', advertiseAddress: '127.0.0.1', clientPort: 12379, peerPort: 12380, pkiDir: '/d/pki', initialClusterState: 'new', initialClusterToken: 'gifee-0011223344556677' };
const flag = (args: string[], name: string) => {
  const i = args.indexOf(name);
  assert.ok(i >= 0, `${name} missing`);
  return args[i + 1];
};

test('a founding member: TLS on both sides with client certificates, URLs on the server address, alone in its initial cluster', () => {
  const a = etcdArgs(spec);
  assert.equal(flag(a, '--name'), 'vm1-0a1b2c3d');
  assert.equal(flag(a, '--data-dir'), '/d/etcd/data');
  assert.equal(flag(a, '--listen-client-urls'), 'https://127.0.0.1:12379');
  assert.equal(flag(a, '--advertise-client-urls'), 'https://127.0.0.1:12379');
  assert.equal(flag(a, '--listen-peer-urls'), 'https://127.0.0.1:12380');
  assert.equal(flag(a, '--initial-advertise-peer-urls'), 'https://127.0.0.1:12380');
  assert.equal(flag(a, '--initial-cluster'), 'vm1-0a1b2c3d=https://127.0.0.1:12380');
  assert.equal(flag(a, '--initial-cluster-state'), 'new');
  assert.equal(flag(a, '--initial-cluster-token'), 'gifee-0011223344556677');
  assert.ok(a.includes('--client-cert-auth') && a.includes('--peer-client-cert-auth'));
  assert.equal(flag(a, '--trusted-ca-file'), '/d/pki/etcd-ca.crt');
  assert.equal(flag(a, '--peer-trusted-ca-file'), '/d/pki/etcd-ca.crt');
  assert.equal(flag(a, '--cert-file'), '/d/pki/etcd-server.crt');
  assert.equal(flag(a, '--peer-key-file'), '/d/pki/etcd-peer.key');
  assert.ok(!a.some((x) => x.startsWith('http://')), 'nothing in plain text');
});

test('listening on every address still advertises the specific one; a joining member names the whole cluster', () => {
  const a = etcdArgs({ ...spec, listenAddress: '0.0.0.0', advertiseAddress: '10.0.0.5', initialClusterState: 'existing', initialCluster: 'a=https://10.0.0.4:2380,vm1-0a1b2c3d=https://10.0.0.5:12380' });
  assert.equal(flag(a, '--listen-client-urls'), 'https://0.0.0.0:12379');
  assert.equal(flag(a, '--advertise-client-urls'), 'https://10.0.0.5:12379');
  assert.equal(flag(a, '--initial-cluster-state'), 'existing');
  assert.equal(flag(a, '--initial-cluster'), 'a=https://10.0.0.4:2380,vm1-0a1b2c3d=https://10.0.0.5:12380');
});

test('IPv6 addresses are bracketed', () => {
  assert.equal(hostPort('::1', 2379), '[::1]:2379');
  assert.equal(clientUrlOf({ advertiseAddress: 'fd00::5', clientPort: 2379 }), 'https://[fd00::5]:2379');
  assert.equal(peerUrlOf({ advertiseAddress: '127.0.0.2', peerPort: 2380 }), 'https://127.0.0.2:2380');
});

test('refused: a wildcard to advertise, equal or out-of-range ports, a name etcd or a table would mangle', () => {
  assert.throws(() => etcdArgs({ ...spec, advertiseAddress: '0.0.0.0' }), /not a wildcard: pass --bind-address or --node-ip/);
  assert.throws(() => etcdArgs({ ...spec, peerPort: spec.clientPort }), /must differ/);
  assert.throws(() => etcdArgs({ ...spec, clientPort: 70000 }), /client port must be 1-65535/);
  assert.throws(() => etcdArgs({ ...spec, name: 'a b' }), /not a valid etcd member name/);
  assert.equal(validMemberName('x'.repeat(64)), false);
  assert.equal(validMemberName('-x'), false);
  assert.equal(validMemberName('vm1.example_2-ab'), true);
});
