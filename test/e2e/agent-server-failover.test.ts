// A worker carries on through another API server when the one it uses dies. Two `gifee server`s
// share one real etcd and one cluster CA (the second starts on a copy of the first's pki/), listening
// on 127.0.0.1 and 127.0.0.2 at the same port, so the `kubernetes` Endpoints list both. A real
// `gifee agent` is given only the first with --server and learns the second from those Endpoints;
// the first is killed -9, and the agent's Node stays Ready with its Lease renewed, and a pod created
// for it afterwards (through the surviving server) is started and reported Running. Restarted while
// the first is still down, the agent comes back through the server it learned.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, freePort, repoRoot, startCluster, type Cluster } from '../helpers/cluster.js';
import { etcdAvailable } from '../helpers/backends.js';
import { startEtcd, type EtcdProcess } from '../helpers/etcd.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';
import { startJoinedAgent, type JoinedAgent } from '../helpers/joined-agent.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : !etcdAvailable() ? 'etcd not installed' : false;

const NODE = 'lb-worker';
const bridge = `gfl${Math.floor(Math.random() * 0xffff).toString(16)}`;
let etcd: EtcdProcess | undefined;
let first: Cluster | undefined;
let second: Cluster | undefined;
let secondDir: string | undefined;
let agentDir: string | undefined;
let agent: JoinedAgent | undefined;
const agentLog = () => agent?.log() ?? '';

const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 300, context: async () => `${(await second?.kubectl(['get', 'pods,nodes', '-A', '-o', 'wide'], { allowFail: true }))?.stdout}\nagent log:\n${agentLog().slice(-3000)}` });

function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) + String(stderr) }));
  });
}

before(async () => {
  if (skip) return;
  etcd = await startEtcd();
  const port = await freePort();
  // One cluster's settings on both servers.
  const extraArgs = ['--cluster-cidr', `10.${200 + Math.floor(Math.random() * 50)}.0.0/16`];
  first = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, bindAddress: '127.0.0.1', port, extraArgs });
  // The second server of the same cluster: the same CA, keys and encryption config (its serving
  // certificate is reissued by the same CA for its own address).
  secondDir = await mkdtemp(join(tmpdir(), 'gifee-e2e-second-'));
  await cp(join(first.dataDir, 'pki'), join(secondDir, 'pki'), { recursive: true });
  second = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, bindAddress: '127.0.0.2', port, extraArgs, dataDir: secondDir });

  agentDir = await mkdtemp(join(tmpdir(), 'gifee-lb-worker-'));
  const images = await testImages();
  const imp = await runCli(['images', 'import', '--data-dir', agentDir, images.busybox]);
  assert.equal(imp.code, 0, imp.out);
  startAgent();
});

/** `gifee agent` with only the first server as a seed: the second must be learned from the cluster. */
function startAgent() {
  agent = startJoinedAgent({ server: first!.url, tokenFile: join(first!.dataDir, 'node-token'), dataDir: agentDir!, nodeName: NODE, bridge, args: ['--ingress-http-port', 'off', '--ingress-https-port', 'off'], env: { GIFEE_LOG: 'info' } });
}

after(async () => {
  await agent?.stop({ group: true });
  if (agentDir) {
    const { resetNode } = await import('../../src/agent/reset.js');
    await resetNode(agentDir, bridge).catch(() => undefined);
    await rm(agentDir, { recursive: true, force: true });
  }
  await second?.stop();
  await first?.stop();
  if (secondDir) await rm(secondDir, { recursive: true, force: true });
  await etcd?.stop();
});

const jp = async (c: Cluster, args: string[], path: string) => (await c.kubectl([...args, '-o', `jsonpath=${path}`], { allowFail: true })).stdout;

// The kill can land while the agent is still registering (its first Lease create or renewal in
// flight on the dying server): registration tries again through the other server (registration.ts).
test('an agent whose API server is killed -9 carries on through the other one', { skip }, async () => {
  const a = first!;
  const b = second!;
  const port = new URL(a.url).port;
  // Both servers are listed as the cluster's API servers.
  await until('both servers in the kubernetes endpoints', async () => (await jp(b, ['get', 'endpoints', 'kubernetes'], '{.subsets[0].addresses[*].ip}')).split(' ').sort().join(' ') === '127.0.0.1 127.0.0.2');
  await until(`${NODE} Ready`, async () => (await jp(b, ['get', 'node', NODE], '{.status.conditions[?(@.type=="Ready")].status} {.spec.podCIDR}')).startsWith('True 10.'));
  // The agent learned the second server from the endpoints (it was given only the first).
  await until('the agent to learn the second server', async () => agentLog().includes(`https://127.0.0.2:${port}`));

  const killedAt = Date.now();
  process.kill(a.pid, 'SIGKILL');
  await until('the agent to switch to the second server', async () => /"msg":"switching API server"/.test(agentLog()) && agentLog().includes(`"to":"https://127.0.0.2:${port}"`));

  // Its heartbeats go on: the node Lease is renewed after the kill, and the Node stays Ready.
  await until('the node lease renewed through the second server', async () => Date.parse(await jp(b, ['get', 'lease', '-n', 'kube-node-lease', NODE], '{.spec.renewTime}')) > killedAt + 1000);
  assert.equal(await jp(b, ['get', 'node', NODE], '{.status.conditions[?(@.type=="Ready")].status}'), 'True');

  // A pod for this node, created after the kill: the agent's watch resumed on the second server, so
  // it sees the pod, starts it and reports its status there.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-failover', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'echo started; sleep 3600'] }] } };
  await b.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
  await until('the pod Running on the worker', async () => (await jp(b, ['get', 'pod', 'after-failover'], '{.status.phase}')) === 'Running');
  // And its node stays Ready through it all.
  assert.equal(await jp(b, ['get', 'node', NODE], '{.status.conditions[?(@.type=="Ready")].status}'), 'True');
  assert.equal(agent!.process.exitCode, null, 'the agent is still running');

  // Restarted while its only --server is still dead, the agent joins through the server it learned
  // last time (kept in its data dir), with the join token's CA check done against that server.
  await agent!.stop();
  const restartedAt = Date.now();
  startAgent();
  await until('the node lease renewed by the restarted agent', async () => Date.parse(await jp(b, ['get', 'lease', '-n', 'kube-node-lease', NODE], '{.spec.renewTime}')) > restartedAt + 1000);
  assert.equal(agent!.process.exitCode, null, `the restarted agent runs:\n${agentLog().slice(-2000)}`);
  assert.equal(await jp(b, ['get', 'pod', 'after-failover'], '{.status.phase}'), 'Running');
});
