// Secrets encrypted at rest, as an operator sees it: Secrets created with kubectl are stored
// encrypted (the raw SQLite row and the raw etcd value hold Kubernetes' k8s:enc:<provider>:v1:<key>:
// prefix and no plaintext), read back plain; keys rotate (new key first, rewrite every Secret through
// the API with kubectl replace or offline with `gifee secrets reencrypt`, then drop the old key); a
// value no configured key can open is a 500 for Secrets while other resources keep working.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliCommand, repoRoot, startCluster, type Cluster } from '../helpers/cluster.js';
import { etcdAvailable } from '../helpers/backends.js';
import { startEtcd, type EtcdProcess } from '../helpers/etcd.js';

const started: { stop(): Promise<void> }[] = [];
// The configuration files the tests write (keys in them: 0700 directory).
const files = mkdtempSync(join(tmpdir(), 'gifee-enc-e2e-'));
after(async () => {
  for (const s of started.reverse()) await s.stop();
  rmSync(files, { recursive: true, force: true });
});

const key = () => randomBytes(32).toString('base64');
const providers = (...ps: [string, string, string][]) => ps.map(([type, name, secret]) => (type === 'identity' ? '      - identity: {}\n' : `      - ${type}:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`)).join('');
const configYaml = (ps: string) => `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${ps}`;

/** The newest stored value of a key in a SQLite data dir (read-only; the server may be running). */
function rawSqlite(dataDir: string, key: string): string {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1').get(key) as { value: string }).value;
  } finally {
    db.close();
  }
}

const secretData = async (c: Cluster, name: string) => Buffer.from((await c.kubectl(['get', 'secret', name, '-o', 'jsonpath={.data.password}'])).stdout, 'base64').toString();

test('by default a generated key (DATA/pki/encryption-config.yaml, 0600) encrypts Secrets in the SQLite store; other kinds stay plain', async () => {
  const c = await startCluster();
  started.push(c);
  const file = join(c.dataDir, 'pki', 'encryption-config.yaml');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await c.kubectl(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-plaintext']);
  await c.kubectl(['create', 'configmap', 'cm', '--from-literal=k=visible-value']);
  const raw = rawSqlite(c.dataDir, '/registry/core/secrets/default/db');
  assert.match(raw, /^k8s:enc:aescbc:v1:key1:/);
  assert.ok(!raw.includes('hunter2') && !raw.includes(Buffer.from('hunter2-plaintext').toString('base64')) && !raw.includes('"db"'), 'no plaintext in the stored row');
  assert.match(rawSqlite(c.dataDir, '/registry/core/configmaps/default/cm'), /visible-value/);
  assert.equal(await secretData(c, 'db'), 'hunter2-plaintext');
  // Watches deliver plain objects too.
  const w = await c.request('GET', '/api/v1/namespaces/default/secrets?watch=1&timeoutSeconds=1');
  assert.match(w.body, /"ADDED"/);
  assert.match(w.body, new RegExp(Buffer.from('hunter2-plaintext').toString('base64')));
});

test('rotation on SQLite through the API (kubectl replace), then a missing key is a 500 for Secrets only', async () => {
  const file = join(files, 'sqlite.yaml');
  const k1 = key();
  const k2 = key();
  writeFileSync(file, configYaml(providers(['aescbc', 'key1', k1], ['identity', '', ''])), { mode: 0o600 });
  const c = await startCluster({ extraArgs: ['--encryption-provider-config', file] });
  started.push(c);
  await c.kubectl(['create', 'secret', 'generic', 's1', '--from-literal=password=one']);
  const s1 = '/registry/core/secrets/default/s1';
  assert.match(rawSqlite(c.dataDir, s1), /^k8s:enc:aescbc:v1:key1:/);

  // 1. The new key first, the old one still there to read with.
  writeFileSync(file, configYaml(providers(['aesgcm', 'key2', k2], ['aescbc', 'key1', k1], ['identity', '', ''])));
  await c.restart();
  assert.equal(await secretData(c, 's1'), 'one');
  await c.kubectl(['create', 'secret', 'generic', 's2', '--from-literal=password=two']);
  assert.match(rawSqlite(c.dataDir, '/registry/core/secrets/default/s2'), /^k8s:enc:aesgcm:v1:key2:/);
  assert.match(rawSqlite(c.dataDir, s1), /^k8s:enc:aescbc:v1:key1:/, 'untouched until rewritten');
  // 2. Rewrite every Secret, as Kubernetes documents it.
  const all = await c.kubectl(['get', 'secrets', '-A', '-o', 'json']);
  await c.kubectl(['replace', '-f', '-'], { input: all.stdout });
  assert.match(rawSqlite(c.dataDir, s1), /^k8s:enc:aesgcm:v1:key2:/);
  // 3. The old key goes.
  writeFileSync(file, configYaml(providers(['aesgcm', 'key2', k2])));
  await c.restart();
  assert.equal(await secretData(c, 's1'), 'one');
  assert.equal(await secretData(c, 's2'), 'two');

  // A key dropped before its values were rewritten: those Secrets cannot be read (500, as Kubernetes),
  // everything else still works and new Secrets use the new key.
  writeFileSync(file, configYaml(providers(['secretbox', 'key3', key()])));
  await c.restart();
  const got = await c.request('GET', '/api/v1/namespaces/default/secrets/s1');
  assert.equal(got.status, 500);
  assert.equal(got.json.reason, 'InternalError');
  assert.match(got.json.message, /^Internal error occurred: .*no matching prefix found/);
  const viaKubectl = await c.kubectl(['get', 'secret', 's1'], { allowFail: true });
  assert.notEqual(viaKubectl.code, 0);
  assert.match(viaKubectl.stderr, /Internal error occurred/);
  assert.equal((await c.request('GET', '/api/v1/namespaces/default/secrets')).status, 500);
  assert.equal((await c.request('GET', '/api/v1/namespaces/default/configmaps')).status, 200);
  await c.kubectl(['create', 'secret', 'generic', 's3', '--from-literal=password=three']);
  assert.match(rawSqlite(c.dataDir, '/registry/core/secrets/default/s3'), /^k8s:enc:secretbox:v1:key3:/);
  assert.equal(await secretData(c, 's3'), 'three');
});

test('a bad configuration file is a usage error at start (exit 2), naming the field', async () => {
  const file = join(files, 'bad.yaml');
  writeFileSync(file, configYaml(providers(['secretbox', 'k', randomBytes(16).toString('base64')])));
  const dataDir = mkdtempSync(join(files, 'data-'));
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(process.execPath, [...cliCommand(), 'server', '--data-dir', dataDir, '--port', '0', '--bind-address', '127.0.0.1', '--no-agent', '--no-controllers', '--encryption-provider-config', file], { cwd: repoRoot, timeout: 30_000 }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    ),
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--encryption-provider-config .*bad\.yaml: resources\[0\]\.providers\[0\]\.secretbox\.keys\[0\]\.secret: a secretbox key must be 32 bytes, not 16/);
});

test('on etcd: encrypted values in etcd, and `gifee secrets reencrypt` rotates while the server runs', { skip: etcdAvailable() ? false : 'etcd not installed' }, async () => {
  const etcd: EtcdProcess = await startEtcd();
  started.push(etcd);
  const file = join(files, 'etcd.yaml');
  const k1 = key();
  const k2 = key();
  writeFileSync(file, configYaml(providers(['secretbox', 'key1', k1])), { mode: 0o600 });
  const c = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, extraArgs: ['--encryption-provider-config', file] });
  started.push(c);
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: etcd.endpoints });
  try {
    for (const n of ['a', 'b', 'c']) await c.kubectl(['create', 'secret', 'generic', n, `--from-literal=password=pw-${n}`]);
    const raw = await client.get('/registry/core/secrets/default/a').string();
    assert.match(raw ?? '', /^k8s:enc:secretbox:v1:key1:/);
    assert.ok(!raw!.includes(Buffer.from('pw-a').toString('base64')));
    writeFileSync(file, configYaml(providers(['aesgcm', 'key2', k2], ['secretbox', 'key1', k1])));
    await c.restart();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [...cliCommand(), 'secrets', 'reencrypt', '--data-dir', c.dataDir, '--store', 'etcd', '--etcd-endpoints', etcd.endpoints.join(','), '--encryption-provider-config', file], { cwd: repoRoot }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
      ),
    );
    // The three Secrets above and those the server made itself (the join token's bootstrap token).
    const rewrote = /rewrote (\d+) values with the current key; 0 already used it/.exec(out);
    assert.ok(rewrote && Number(rewrote[1]) >= 3, out);
    for (const n of ['a', 'b', 'c']) assert.match((await client.get(`/registry/core/secrets/default/${n}`).string()) ?? '', /^k8s:enc:aesgcm:v1:key2:/);
    writeFileSync(file, configYaml(providers(['aesgcm', 'key2', k2])));
    await c.restart();
    for (const n of ['a', 'b', 'c']) assert.equal(await secretData(c, n), `pw-${n}`);
  } finally {
    client.close();
  }
});
