// The everyday CLI against a real cluster: `gifee kubectl` runs the kubectl on the PATH with the
// data dir's admin kubeconfig (and says what to do without kubectl), `gifee kubeconfig` prints it,
// and a mistyped command names the closest one with exit code 2.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startCluster, cliCommand, repoRoot, type Cluster } from '../helpers/cluster.js';

let c: Cluster;
before(async () => {
  c = await startCluster({});
});
after(async () => {
  await c?.stop();
});

const gifee = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) =>
    execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000, env: { ...process.env, ...env } }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })),
  );

test('gifee kubectl runs kubectl against the data dir’s cluster, passing its exit code', async () => {
  const r = await gifee(['kubectl', '--data-dir', c.dataDir, 'get', 'namespace', 'kube-system', '-o', 'name']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), 'namespace/kube-system');
  const missing = await gifee(['kubectl', '--data-dir', c.dataDir, 'get', 'namespace', 'no-such-namespace']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /namespaces "no-such-namespace" not found/);
});

test('gifee kubectl without kubectl on the PATH says what to do (exit 2)', async () => {
  const r = await gifee(['kubectl', '--data-dir', c.dataDir, 'get', 'pods'], { PATH: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.err, /no kubectl on the PATH; install kubectl/);
});

test('gifee kubeconfig prints the admin kubeconfig; a mistyped command names the closest one (exit 2)', async () => {
  const r = await gifee(['kubeconfig', '--data-dir', c.dataDir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /current-context: gifee/);
  assert.match(r.out, new RegExp(`server: ${c.url.replace(/[.]/g, '\\.')}`));
  const typo = await gifee(['kubctl', 'get', 'pods']);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown command "kubctl" \(did you mean "kubectl"\?\)/);
});
