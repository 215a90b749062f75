// gifee reset on a cluster with running pods: it refuses while the server still uses the data dir,
// stops it with --force, and then nothing gifee made is left — no gifee process, container, mount
// under the data dir, pod network namespace, nftables table or bridge. A second reset is a no-op;
// --purge removes the data dir too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { startCluster, cliCommand, repoRoot, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until } from '../helpers/wait.js';
import { proxyTableName } from '../../src/proxy/index.js';
import { isProcessAlive } from '../../src/util/process-alive.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root and a real node agent' : false;

let c: Cluster;
before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true });
  await importImages(c.dataDir, [(await testImages()).busybox]);
});
after(async () => {
  await c?.stop();
});

const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 90_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })));
const mountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4]?.startsWith(`${dir}/`));
const sh = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

test('gifee reset refuses while the server runs, stops it with --force, and leaves nothing of gifee behind', { skip }, async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sleeper' },
    spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'mem', emptyDir: { medium: 'Memory' } }], containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'mem', mountPath: '/mem' }] }] },
  };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  await until('sleeper Running', async () => (await c.kubectl(['get', 'pod', 'sleeper', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', { timeoutMs: 90_000 });
  const uid = (await c.kubectl(['get', 'pod', 'sleeper', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  const runcRoot = `${c.dataDir}/agent/runc`;
  assert.notEqual(sh('runc', ['--root', runcRoot, 'list', '-q']).trim(), '', 'containers run');
  assert.ok(mountsUnder(c.dataDir).length > 0, 'mounts exist');
  assert.ok(existsSync(`/var/run/netns/gifee-${uid}`), 'the pod network namespace exists');

  const refused = await gifee(['reset', '--data-dir', c.dataDir]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, new RegExp(`gifee server \\(pid ${c.pid}\\) still uses ${c.dataDir}; stop it first .* or pass --force`));
  assert.ok(isProcessAlive(c.pid), 'nothing was stopped');

  const r = await gifee(['reset', '--data-dir', c.dataDir, '--force']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`stopping gifee server \\(pid ${c.pid}\\)`));
  assert.match(r.out, /removed \d+ containers, the networks and cgroups of \d+ pods/);
  assert.ok(!isProcessAlive(c.pid), 'the server is gone');
  assert.equal(sh('runc', ['--root', runcRoot, 'list', '-q']).trim(), '', 'no container left');
  assert.deepEqual(mountsUnder(c.dataDir), [], 'no mount left under the data dir');
  assert.ok(!existsSync(`/var/run/netns/gifee-${uid}`), 'no pod network namespace left');
  assert.doesNotMatch(sh('nft', ['list', 'tables']), new RegExp(`\\b${proxyTableName(c.bridge)}\\b`), 'no nftables table left');
  assert.equal(sh('ip', ['link', 'show', c.bridge]), '', 'no bridge left');

  const again = await gifee(['reset', '--data-dir', c.dataDir]);
  assert.equal(again.code, 0, again.err);
  const purge = await gifee(['reset', '--data-dir', c.dataDir, '--purge']);
  assert.equal(purge.code, 0, purge.err);
  assert.ok(!existsSync(c.dataDir), 'the data dir is gone');
});
