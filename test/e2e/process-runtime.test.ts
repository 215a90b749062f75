// The `process` runtime, as someone without root uses it: `gifee server` runs as an unprivileged user
// (nobody), its agent says it has no isolation and runs pods as plain host processes from the
// image's files; logs, exec and port-forward work; the pod's IP is the node's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { startCluster, kubectlBinary, freePort, type Cluster } from '../helpers/cluster.js';
import { testImages, importImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

// Root is needed only to switch to the unprivileged user the server runs as.
const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root to start the server as an unprivileged user' : false;
const NOBODY = { uid: 65534, gid: 65534 };

let c: Cluster;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: () => c.logs().slice(-3000) });

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, user: NOBODY, extraArgs: ['--runtime', 'process'] });
  // Import as the agent's user would (`gifee images import`), into its data dir.
  await importImages(c.dataDir, [images.busybox]);
  const { execFileSync } = await import('node:child_process');
  execFileSync('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, join(c.dataDir, 'images')]);
});

after(async () => {
  if (c) await c.stop();
});

test('an unprivileged agent announces the process runtime and runs pods as host processes', { skip }, async () => {
  assert.match(c.logs(), /container runtime: process\. Containers run as PLAIN HOST PROCESSES WITHOUT ISOLATION/);
  const node = JSON.parse((await c.kubectl(['get', 'nodes', '-o', 'json'])).stdout).items[0];
  assert.match(node.status.nodeInfo.containerRuntimeVersion, /^process:\/\//);

  const port = await freePort();
  await c.kubectl(['run', 'plain', '--image=gifee.local/busybox:1', '--', 'sh', '-c', `echo started as $(id -u); mkdir -p www; echo served > www/index.html; exec httpd -f -p 127.0.0.1:${port} -h www`]);
  await until('plain Running', async () => (await c.kubectl(['get', 'pod', 'plain', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
  assert.equal((await c.kubectl(['get', 'pod', 'plain', '-o', 'jsonpath={.status.podIP}'])).stdout, '127.0.0.1', "pods share the node's network");
  await until('logs', async () => (await c.kubectl(['logs', 'plain'])).stdout === 'started as 65534\n');
  const ex = await c.kubectl(['exec', 'plain', '--', 'sh', '-c', 'cat www/index.html; exit 2'], { allowFail: true });
  assert.equal(ex.stdout, 'served\n');
  assert.equal(ex.code, 2);

  const local = await freePort();
  const pf = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, 'port-forward', 'pod/plain', `${local}:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  pf.stdout.on('data', (d) => (out += d));
  try {
    await until('port-forward', async () => out.includes('Forwarding from'), 20_000);
    const body = await new Promise<string>((resolve, reject) =>
      http
        .get(`http://127.0.0.1:${local}/`, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
        .on('error', reject),
    );
    assert.equal(body, 'served\n');
  } finally {
    pf.kill();
  }

  await c.kubectl(['run', 'gone', '--restart=Never', '--image=gifee.local/busybox:1', '--', 'no-such-program']);
  await until('StartError for a program the image lacks', async () => (await c.kubectl(['get', 'pod', 'gone', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.reason}'])).stdout === 'StartError');
  await c.kubectl(['delete', 'pod', 'plain', '--grace-period=1']);
});

test('the process runtime refuses a pod whose securityContext it cannot enforce, saying what and why', { skip }, async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hardened' },
    spec: { securityContext: { runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }] },
  };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  const jp = async (path: string) => (await c.kubectl(['get', 'pod', 'hardened', '-o', `jsonpath=${path}`])).stdout;
  await until('hardened refused', async () => (await jp('{.status.containerStatuses[0].state.waiting.reason}')) === 'CreateContainerConfigError');
  assert.equal(await jp('{.status.containerStatuses[0].state.waiting.message}'), 'the process runtime cannot enforce runAsUser, readOnlyRootFilesystem, capabilities, seccompProfile RuntimeDefault: it runs containers as plain host processes; run this pod on a node with the runc runtime');
  assert.match((await c.kubectl(['describe', 'pod', 'hardened'])).stdout, /Error: the process runtime cannot enforce runAsUser/);
  await c.kubectl(['delete', 'pod', 'hardened', '--wait=true']);
});

test("without cgroups, containers' CPU and memory come from their processes (summary and /metrics/resource)", { skip }, async () => {
  await c.kubectl(['run', 'counted', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exec sleep 3600']);
  await until('counted Running', async () => (await c.kubectl(['get', 'pod', 'counted', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
  const node = (await c.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
  await until('counted in the summary with CPU and memory', async () => {
    const summary = JSON.parse((await c.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`])).stdout);
    const ctr = summary.pods.find((p: any) => p.podRef.name === 'counted')?.containers?.[0];
    return ctr?.cpu?.usageCoreNanoSeconds > 0 && ctr?.memory?.workingSetBytes > 0;
  });
  const resource = (await c.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/resource`])).stdout;
  assert.match(resource, /^container_memory_working_set_bytes\{container="counted",namespace="default",pod="counted"\} /m);
});
