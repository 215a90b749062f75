import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { keyedProvider, type ProviderType } from './providers.js';
import { parseEncryptionConfig } from './config.js';
import { ValueTransformer } from './transformer.js';
import { EncryptingStore } from './encrypting-store.js';
import { reencryptAll } from './reencrypt.js';
import { SqliteStore } from '../sqlite/store.js';
import { ApiError } from '../../api/errors.js';
import { storeContract } from '../contract.js';

const key32 = () => randomBytes(32);

for (const type of ['aesgcm', 'aescbc', 'secretbox'] as const) {
  test(`${type}: round trip, fresh randomness per value, wrong key and tampering refused`, () => {
    const k = key32();
    const p = keyedProvider(type, 'k1', k);
    assert.equal(p.prefix, `k8s:enc:${type}:v1:k1:`);
    const plain = Buffer.from('{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}');
    const a = p.seal(plain, '/registry/core/secrets/default/s');
    const b = p.seal(plain, '/registry/core/secrets/default/s');
    assert.notDeepEqual(a, b, 'a random nonce/IV per value');
    assert.ok(!a.includes(plain.subarray(0, 16)));
    assert.deepEqual(p.open(a, '/registry/core/secrets/default/s'), plain);
    const other = keyedProvider(type, 'k1', key32());
    assert.throws(() => {
      const out = other.open(a, '/registry/core/secrets/default/s');
      // AES-CBC has no authentication (as in Kubernetes): a wrong key fails on padding or yields garbage.
      assert.notDeepEqual(out, plain);
      throw new Error('garbage');
    });
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(() => {
      const out = p.open(tampered, '/registry/core/secrets/default/s');
      assert.notDeepEqual(out, plain);
      throw new Error('garbage');
    });
    assert.throws(() => p.open(Buffer.alloc(3), '/x'));
  });
}

test('aesgcm binds the value to its storage key: copied under another key it does not open', () => {
  const p = keyedProvider('aesgcm', 'k', key32());
  const sealed = p.seal(Buffer.from('x'), '/registry/core/secrets/a/one');
  assert.throws(() => p.open(sealed, '/registry/core/secrets/a/two'));
});

const config = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets, configmaps]
    providers:
${providers}
`;
const keyYaml = (type: ProviderType, name: string, secret: string) => `      - ${type}:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;

test('bad configuration files are refused with the field named', () => {
  const b64 = key32().toString('base64');
  const cases: [string, RegExp][] = [
    ['not: [yaml', /not YAML/],
    ['kind: Other\napiVersion: apiserver.config.k8s.io/v1\nresources: []', /kind must be EncryptionConfiguration/],
    [config('      - aesgcm:\n          keys: []\n'), /providers\[0\]\.aesgcm\.keys: at least one key/],
    [config(keyYaml('aescbc', 'k', 'not base64!')), /keys\[0\]\.secret: must be base64/],
    [config(keyYaml('secretbox', 'k', randomBytes(16).toString('base64'))), /secretbox key must be 32 bytes, not 16/],
    [config(keyYaml('aesgcm', 'k', randomBytes(20).toString('base64'))), /aesgcm key must be 16, 24 or 32 bytes/],
    [config('      - kms:\n          name: x\n'), /KMS providers are not supported/],
    [config('      - identity: {}\n        aescbc: {}\n'), /exactly one of/],
    [config(keyYaml('aescbc', 'k', b64) + keyYaml('aescbc', 'k', b64)), /key name "k" is used twice/],
    ['apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: ["*."]\n    providers: [{identity: {}}]\n  - resources: [secrets]\n    providers: [{identity: {}}]\n', /"secrets" is masked by "\*\."/],
    ['apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [Secrets]\n    providers: [{identity: {}}]\n', /is not a resource/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseEncryptionConfig(text), re, text);
  // Accepted forms: AES keys of 16 bytes, wildcards in the right order.
  parseEncryptionConfig(config(keyYaml('aesgcm', 'k', randomBytes(16).toString('base64'))));
  parseEncryptionConfig('apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets, deployments.apps]\n    providers: [{identity: {}}]\n  - resources: ["*.apps", "*."]\n    providers: [{identity: {}}]\n  - resources: ["*.*"]\n    providers: [{identity: {}}]\n');
});

test('the transformer encrypts only the listed resources, reads every provider, and marks old keys stale', () => {
  const oldKey = key32().toString('base64');
  const newKey = key32().toString('base64');
  const before = new ValueTransformer(parseEncryptionConfig(config(keyYaml('aescbc', 'old', oldKey) + '      - identity: {}\n')));
  const after = new ValueTransformer(parseEncryptionConfig(config(keyYaml('secretbox', 'new', newKey) + keyYaml('aescbc', 'old', oldKey) + '      - identity: {}\n')));
  const k = '/registry/core/secrets/ns/s';
  assert.equal(before.toStorage('/registry/core/pods/ns/p', '{"a":1}'), '{"a":1}');
  assert.equal(before.toStorage('/registry/apps/secrets/ns/p', '{"a":1}'), '{"a":1}', 'secrets of another group are another resource');
  const stored = before.toStorage(k, '{"a":1}');
  assert.match(stored, /^k8s:enc:aescbc:v1:old:/);
  assert.deepEqual(after.fromStorage(k, stored), { value: '{"a":1}', stale: true });
  assert.match(after.toStorage(k, '{"a":1}'), /^k8s:enc:secretbox:v1:new:/);
  assert.deepEqual(after.fromStorage(k, '{"plain":true}'), { value: '{"plain":true}', stale: true });
  const noIdentity = new ValueTransformer(parseEncryptionConfig(config(keyYaml('secretbox', 'new', newKey))));
  assert.throws(() => noIdentity.fromStorage(k, stored), /no matching prefix found/);
  const onlyIdentity = new ValueTransformer(parseEncryptionConfig(config('      - identity: {}\n')));
  assert.throws(() => onlyIdentity.fromStorage(k, stored), /identity transformer tried to read encrypted data/);
});

function tempStore() {
  const dir = mkdtempSync(join(tmpdir(), 'gifee-enc-'));
  return { inner: new SqliteStore(join(dir, 'state.db')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// The wrapper keeps every promise of the Store contract for the keys it passes through (the
// contract's keys are outside /registry/); the encrypted path is tested below.
storeContract('encrypting store over sqlite', async () => {
  const { inner, cleanup } = tempStore();
  const t = new ValueTransformer(parseEncryptionConfig(config(keyYaml('aesgcm', 'k', key32().toString('base64')))));
  return { store: new EncryptingStore(inner, t), cleanup: async () => cleanup() };
});

test('values are encrypted in the inner store, plain through the wrapper and its watches; an unreadable value is a 500 for that key only', async () => {
  const { inner, cleanup } = tempStore();
  try {
    const t = new ValueTransformer(parseEncryptionConfig(config(keyYaml('aesgcm', 'k', key32().toString('base64')))));
    const s = new EncryptingStore(inner, t);
    const seen: string[] = [];
    const w = s.watch('/registry/core/secrets/', { afterRevision: 0, onEvents: (evs) => seen.push(...evs.map((e) => `${e.type}:${e.kv.value}:${e.prevKv?.value ?? ''}`)) });
    const a = await s.create('/registry/core/secrets/ns/a', '{"v":"topsecret"}');
    assert.equal(a.value, '{"v":"topsecret"}');
    await s.update('/registry/core/secrets/ns/a', '{"v":"2"}', a.modRevision);
    await s.create('/registry/core/pods/ns/p', '{"pod":1}');
    const raw = await inner.get('/registry/core/secrets/ns/a');
    assert.match(raw!.value, /^k8s:enc:aesgcm:v1:k:/);
    assert.ok(!raw!.value.includes('"v"'));
    assert.equal((await inner.get('/registry/core/pods/ns/p'))!.value, '{"pod":1}');
    assert.equal((await s.get('/registry/core/secrets/ns/a'))!.value, '{"v":"2"}');
    assert.deepEqual(
      (await s.list('/registry/core/secrets/')).items.map((i) => i.value),
      ['{"v":"2"}'],
    );
    // A value written with a key the configuration no longer has.
    await inner.create('/registry/core/secrets/ns/lost', 'k8s:enc:aesgcm:v1:gone:AAAA');
    await assert.rejects(s.get('/registry/core/secrets/ns/lost'), (e: unknown) => e instanceof ApiError && e.code === 500 && /Internal error occurred: .*no matching prefix found/.test(e.message));
    await assert.rejects(s.list('/registry/core/secrets/'), (e: unknown) => e instanceof ApiError && e.code === 500);
    assert.equal((await s.list('/registry/core/pods/')).items.length, 1, 'other resources list as before');
    await s.delete('/registry/core/secrets/ns/a');
    w.close();
    assert.deepEqual(seen, ['put:{"v":"topsecret"}:', 'put:{"v":"2"}:{"v":"topsecret"}', 'delete:{"v":"2"}:{"v":"2"}']);
  } finally {
    await inner.close();
    cleanup();
  }
});

test('rotation: a new key first, reencrypt rewrites stale values, then the old key can go', async () => {
  const { inner, cleanup } = tempStore();
  try {
    const oldKey = key32().toString('base64');
    const newKey = key32().toString('base64');
    const v1 = new ValueTransformer(parseEncryptionConfig(config(keyYaml('aescbc', 'old', oldKey) + '      - identity: {}\n')));
    await inner.create('/registry/core/secrets/ns/plain', '{"p":1}');
    const s1 = new EncryptingStore(inner, v1);
    for (let i = 0; i < 3; i++) await s1.create(`/registry/core/secrets/ns/s${i}`, `{"i":${i}}`);
    await s1.create('/registry/core/configmaps/ns/c', '{"c":1}');
    const v2 = new ValueTransformer(parseEncryptionConfig(config(keyYaml('aesgcm', 'new', newKey) + keyYaml('aescbc', 'old', oldKey) + '      - identity: {}\n')));
    const r = await reencryptAll(inner, v2);
    assert.deepEqual(r, { rewritten: 5, current: 0, failed: [] });
    assert.deepEqual(await reencryptAll(inner, v2), { rewritten: 0, current: 5, failed: [] });
    const v3 = new ValueTransformer(parseEncryptionConfig(config(keyYaml('aesgcm', 'new', newKey))));
    const s3 = new EncryptingStore(inner, v3);
    assert.deepEqual(
      (await s3.list('/registry/core/secrets/')).items.map((i) => i.value),
      ['{"p":1}', '{"i":0}', '{"i":1}', '{"i":2}'],
    );
    for (const kv of (await inner.list('/registry/core/')).items) assert.match(kv.value, /^k8s:enc:aesgcm:v1:new:/);
  } finally {
    await inner.close();
    cleanup();
  }
});

test('on etcd a value that encryption grows past its request limit is 413 before it is sent', async () => {
  const { inner, cleanup } = tempStore();
  try {
    const asEtcd = new Proxy(inner, { get: (t, p) => (p === 'backend' ? 'etcd' : typeof Reflect.get(t, p) === 'function' ? Reflect.get(t, p).bind(t) : Reflect.get(t, p)) }) as unknown as SqliteStore;
    const s = new EncryptingStore(asEtcd, new ValueTransformer(parseEncryptionConfig(config(keyYaml('aesgcm', 'k', key32().toString('base64'))))));
    const big = JSON.stringify({ data: 'x'.repeat(1.2 * 1024 * 1024) });
    await assert.rejects(s.create('/registry/core/secrets/ns/big', big), (e: unknown) => e instanceof ApiError && e.code === 413);
    await s.create('/registry/core/pods/ns/big', big);
    assert.equal(await inner.count('/registry/core/secrets/'), 0);
  } finally {
    await inner.close();
    cleanup();
  }
});
