import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminClientConfig, serverOfDataDir } from './admin-client.js';

test("the CLI's admin client finds the server of a data dir from DATA/kubeconfig (gifee up writes it too), else 127.0.0.1:6443", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-admin-client-'));
  try {
    await mkdir(join(dir, 'pki'));
    for (const f of ['ca.crt', 'admin.crt', 'admin.key']) await writeFile(join(dir, 'pki', f), `${f}\n`);
    assert.equal(await serverOfDataDir(dir), undefined);
    assert.equal((await adminClientConfig({ dataDir: dir }, 'test')).server, 'https://127.0.0.1:6443');
    await writeFile(join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters:\n- name: gifee\n  cluster:\n    server: https://127.0.0.1:17443\n');
    assert.equal((await adminClientConfig({ dataDir: dir }, 'test')).server, 'https://127.0.0.1:17443');
    assert.equal((await adminClientConfig({ dataDir: dir, server: 'https://10.0.0.1:6443/' }, 'test')).server, 'https://10.0.0.1:6443');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
