// A worker joins a cluster as a user would: `gifee agent --server URL --token-file DATA/node-token`
// in its own process and data dir; the bootstrap token in the join token only gets it a client
// certificate of its own (system:node:NAME, through a CSR the approver signs), and its port a serving
// certificate from the cluster CA; the server's scheduler places pods on it; logs and exec reach it
// through the API server; restarted without the token it carries on with its certificate. A wrong
// token or a server with another CA is refused with a clear error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startJoinedAgent, type JoinedAgent } from '../helpers/joined-agent.js';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
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
let agent: JoinedAgent | undefined;
/** Output of the agents stopped earlier in this file, then the running one's. */
let earlierLogs = '';
const agentLog = () => earlierLogs + (agent?.log() ?? '');
// This machine's addresses (every configured one, link up or not) just before the server started
// and just after it was ready: an address in both was there while the server made its certificate.
// Parallel test files add and remove interfaces (test hosts, pod bridges) at any time, so the
// machine's addresses read later are not what the server saw.
let addressesThroughStart: string[] = [];
const machineIPv4 = async () => (await import('../../src/cli/machine-addresses.js')).machineIPv4Addresses();
const bridge = `gfj${Math.floor(Math.random() * 0xffff).toString(16)}`;

const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: () => `agent log:\n${agentLog().slice(-3000)}` });

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
  agent = startJoinedAgent({ server: c.url, tokenFile: join(c.dataDir, 'node-token'), dataDir: agentDir, nodeName: 'worker-1', bridge });
});

after(async () => {
  await agent?.stop({ group: true });
  if (agentDir) {
    const { resetNode } = await import('../../src/agent/reset.js');
    await resetNode(agentDir, bridge);
    await rm(agentDir, { recursive: true, force: true });
  }
  if (c) await c.stop();
});

test('a worker joins with the node token, gets a pod CIDR, and runs scheduled pods', { skip }, async () => {
  const token = (await readFile(join(c.dataDir, 'node-token'), 'utf8')).trim();
  assert.match(token, /^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
  await until('worker-1 Ready', async () => (await c.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.podCIDR}'])).stdout.startsWith('True 10.'));
  await c.kubectl(['run', 'on-worker', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo hello from $(hostname); sleep 3600']);
  await until('pod Running on worker-1', async () => (await c.kubectl(['get', 'pod', 'on-worker', '-o', 'jsonpath={.spec.nodeName} {.status.phase}'])).stdout === 'worker-1 Running');
  await until('logs through the API server', async () => (await c.kubectl(['logs', 'on-worker'])).stdout === 'hello from on-worker\n');
  assert.equal((await c.kubectl(['exec', 'on-worker', '--', 'echo', 'exec-ok'])).stdout, 'exec-ok\n');
  await c.kubectl(['delete', 'pod', 'on-worker', '--grace-period=1']);
});

test("the worker has its own identity: a client certificate for system:node:worker-1 and a serving certificate, both from the cluster's CA through CSRs", { skip }, async () => {
  const { X509Certificate } = await import('node:crypto');
  const ca = new X509Certificate(await readFile(join(c.dataDir, 'pki', 'ca.crt')));
  const client = new X509Certificate(await readFile(join(agentDir, 'pki', 'kubelet-client.crt')));
  assert.match(client.subject, /CN=system:node:worker-1/);
  assert.match(client.subject, /O=system:nodes/);
  assert.ok(client.verify(ca.publicKey), 'the client certificate is signed by the cluster CA');
  // The CSRs: the bootstrap token's (node client, auto-approved) and the node's own (serving).
  const csrs = JSON.parse((await c.kubectl(['get', 'csr', '-o', 'json'])).stdout).items as { spec: { signerName: string; username: string }; status: { conditions?: { type: string; reason?: string }[]; certificate?: string } }[];
  const clientCsr = csrs.find((x) => x.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet' && x.spec.username.startsWith('system:bootstrap:'));
  assert.ok(clientCsr?.status.certificate, 'the node client CSR was issued');
  assert.equal(clientCsr.status.conditions?.[0].reason, 'AutoApproved');
  await until('serving certificate from the cluster CA', async () => existsSync(join(agentDir, 'pki', 'kubelet-serving.crt')));
  const serving = new X509Certificate(await readFile(join(agentDir, 'pki', 'kubelet-serving.crt')));
  assert.ok(serving.verify(ca.publicKey));
  assert.ok(serving.checkHost('worker-1'));
  // The agent's port serves it now (switched without a restart).
  const port = JSON.parse((await c.kubectl(['get', 'node', 'worker-1', '-o', 'json'])).stdout).status.daemonEndpoints.kubeletEndpoint.Port;
  await until('the agent serves the signed certificate', async () => {
    const tls = await import('node:tls');
    const fp = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
        s.destroy();
      });
      s.on('error', () => resolve(''));
    });
    return fp === serving.fingerprint256;
  });
});

test('restarted without a token, the worker carries on with the certificate it holds', { skip }, async () => {
  await agent!.stop();
  const before = agentLog().split('node agent ready').length;
  earlierLogs += agent!.log();
  agent = startJoinedAgent({ server: c.url, dataDir: agentDir, nodeName: 'worker-1', bridge });
  await until('the agent is back', async () => agentLog().split('node agent ready').length > before);
  assert.equal(agent.process.exitCode, null, agentLog().slice(-2000));
  await until('worker-1 Ready', async () => (await c.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True');
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
  const badSecret = token.replace(/::.*/, '::abcdef.0123456789abcdef');
  const dir = await mkdtemp(join(tmpdir(), 'gifee-badworker-'));
  try {
    const wrongCA = await runCli(['agent', '--server', c.url, '--token', `K10${'0'.repeat(64)}::abcdef.0123456789abcdef`, '--data-dir', dir, '--node-name', 'bad-1', '--kubelet-port', '0']);
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
