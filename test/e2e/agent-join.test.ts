// A worker joins a cluster as a user would: `gifee agent --server URL --token-file DATA/node-token`
// in its own process and data dir; the server's scheduler places pods on it; logs and exec reach
// it through the API server. A wrong token or a server with another CA is refused with a clear error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, repoRoot, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

// The gifee CLI as the cluster helper runs it (compiled under dist/, else from source).
const cli = cliCommand;

let c: Cluster;
let agentDir: string;
let agent: ChildProcess | undefined;
let agentLog = '';
// This machine's addresses (every configured one, link up or not) just before the server started
// and just after it was ready: an address in both was there while the server made its certificate.
// Parallel test files add and remove interfaces (test hosts, pod bridges) at any time, so the
// machine's addresses read later are not what the server saw.
let addressesThroughStart: string[] = [];
const machineIPv4 = async () => (await import('../../src/cli/machine-addresses.js')).machineIPv4Addresses();
const bridge = `gfj${Math.floor(Math.random() * 0xffff).toString(16)}`;

const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: () => `agent log:\n${agentLog.slice(-3000)}` });

function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cli(), ...args], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) + String(stderr) });
    });
  });
}

before(async () => {
  if (skip) return;
  const images = await testImages();
  const beforeStart = await machineIPv4();
  c = await startCluster({ extraArgs: ['--cluster-cidr', `10.${200 + Math.floor(Math.random() * 50)}.0.0/16`, '--tls-san', 'api.gifee.test', '--tls-san', '10.99.99.99'] });
  const afterStart = new Set(await machineIPv4());
  addressesThroughStart = beforeStart.filter((a) => afterStart.has(a));
  agentDir = await mkdtemp(join(tmpdir(), 'gifee-worker-'));
  // The worker's images, imported before it starts (its import directory is scanned at start).
  const imp = await runCli(['images', 'import', '--data-dir', agentDir, images.busybox]);
  assert.equal(imp.code, 0, imp.out);
  agent = spawn(process.execPath, [...cli(), 'agent', '--server', c.url, '--token-file', join(c.dataDir, 'node-token'), '--data-dir', agentDir, '--node-name', 'worker-1', '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--bridge', bridge], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  agent.stdout!.on('data', (d) => (agentLog += d));
  agent.stderr!.on('data', (d) => (agentLog += d));
});

after(async () => {
  if (agent && agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((r) => agent!.once('exit', r));
  }
  if (agentDir) {
    const { resetNode } = await import('../../src/agent/reset.js');
    await resetNode(agentDir, bridge);
    await rm(agentDir, { recursive: true, force: true });
  }
  if (c) await c.stop();
});

test('a worker joins with the node token, gets a pod CIDR, and runs scheduled pods', { skip }, async () => {
  const token = (await readFile(join(c.dataDir, 'node-token'), 'utf8')).trim();
  assert.match(token, /^K10[0-9a-f]{64}::node:[0-9a-f]+$/);
  await until('worker-1 Ready', async () => (await c.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.podCIDR}'])).stdout.startsWith('True 10.'));
  await c.kubectl(['run', 'on-worker', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo hello from $(hostname); sleep 3600']);
  await until('pod Running on worker-1', async () => (await c.kubectl(['get', 'pod', 'on-worker', '-o', 'jsonpath={.spec.nodeName} {.status.phase}'])).stdout === 'worker-1 Running');
  await until('logs through the API server', async () => (await c.kubectl(['logs', 'on-worker'])).stdout === 'hello from on-worker\n');
  assert.equal((await c.kubectl(['exec', 'on-worker', '--', 'echo', 'exec-ok'])).stdout, 'exec-ok\n');
  await c.kubectl(['delete', 'pod', 'on-worker', '--grace-period=1']);
});

test("the server certificate covers --tls-san names and this machine's addresses, so workers can verify it", { skip }, async () => {
  const { X509Certificate } = await import('node:crypto');
  const cert = new X509Certificate(await readFile(join(c.dataDir, 'pki', 'server.crt')));
  assert.ok(cert.checkHost('api.gifee.test'));
  assert.ok(cert.checkIP('10.99.99.99'));
  assert.ok(addressesThroughStart.length > 0, 'this machine has a non-loopback IPv4 address to check');
  for (const a of addressesThroughStart) assert.ok(cert.checkIP(a), a);
});

test('a wrong token or a CA that does not match the token is refused with a clear error', { skip }, async () => {
  const token = (await readFile(join(c.dataDir, 'node-token'), 'utf8')).trim();
  const badSecret = token.replace(/node:.*/, 'node:0000');
  const dir = await mkdtemp(join(tmpdir(), 'gifee-badworker-'));
  try {
    const wrongCA = await runCli(['agent', '--server', c.url, '--token', `K10${'0'.repeat(64)}::node:x`, '--data-dir', dir, '--node-name', 'bad-1', '--kubelet-port', '0']);
    assert.notEqual(wrongCA.code, 0);
    assert.match(wrongCA.out, /does not match the join token/);
    const wrongSecret = await runCli(['agent', '--server', c.url, '--token', badSecret, '--data-dir', dir, '--node-name', 'bad-2', '--kubelet-port', '0', '--bridge', 'gfjbad0']);
    assert.notEqual(wrongSecret.code, 0);
    assert.match(wrongSecret.out, /Unauthorized/i);
    assert.equal((await c.kubectl(['get', 'node', 'bad-2', '--ignore-not-found', '-o', 'name'])).stdout, '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
