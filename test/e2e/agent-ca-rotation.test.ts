// A joined worker (`gifee agent --server URL --token-file DATA/node-token`) through a whole CA
// rotation of its server, without being touched: stop the server, `gifee certs rotate-ca`, start it
// (it now serves a certificate of the new CA, sent with the new CA cross-signed by the old one); the
// agent, which trusts the old CA alone, still verifies it, takes the new bundle from /cacerts and
// renews its client and serving certificates with the new CA (before it took the bundle, logs and
// exec already reach it: the server's kubelet-client certificate travels with the cross-signed CA); stop, `rotate-ca --finish`, start (the
// old CA is trusted no more): the worker is still Ready, pods run on it, logs and exec reach it. It
// exits promptly on SIGTERM, and started again with its pre-rotation join token it carries on.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startJoinedAgent, type JoinedAgent } from '../helpers/joined-agent.js';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, cliCommand, repoRoot, startCluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { untilProcessGone, until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
let agentDir: string;
let agent: JoinedAgent | undefined;
/** Output of the agents stopped earlier in this file, then the running one's. */
let earlierLogs = '';
const agentLog = () => earlierLogs + (agent?.log() ?? '');
/** The join token as it was before the rotation (its CA hash: the old CA's). */
let originalToken = '';
const bridge = `gfr${Math.floor(Math.random() * 0xffff).toString(16)}`;

/** The last kubectl answer a wait looked at, for the failure message. */
let lastKubectl = '';
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: () => `last kubectl: ${lastKubectl}\nagent log:\n${agentLog().slice(-4000)}` });
const kubectl = async (args: string[]) => {
  const r = await c.kubectl(args, { allowFail: true });
  lastKubectl = `${args.join(' ')} (${r.code}): ${r.stdout}${r.stderr}`.slice(-2000);
  return r;
};

const gifee = (args: string[]) =>
  promisify(execFile)(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000 }).then(
    (r) => ({ code: 0, out: String(r.stdout) + String(r.stderr) }),
    (e: { stdout: string; stderr: string; code: number }) => ({ code: e.code || 1, out: String(e.stdout) + String(e.stderr) }),
  );

const certsOf = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
const signedBy = (pem: string, ca: X509Certificate) => {
  const c = new X509Certificate(pem);
  return c.checkIssued(ca) && c.verify(ca.publicKey);
};
const agentFile = (name: string) => readFile(join(agentDir, 'pki', name), 'utf8');

/** Stops the server (SIGTERM) and waits until it is gone. */
async function stopServer() {
  const pid = c.pid;
  process.kill(pid, 'SIGTERM');
  await untilProcessGone(pid, { timeoutMs: 90_000, intervalMs: 250 });
}

async function podWorks(name: string) {
  await until(`${name} Running on worker-1`, async () => (await kubectl(['get', 'pod', name, '-o', 'jsonpath={.spec.nodeName} {.status.phase}'])).stdout === 'worker-1 Running');
  await until(`logs of ${name} through the API server`, async () => (await kubectl(['logs', name])).stdout === `hello from ${name}\n`);
  await until(`exec in ${name}`, async () => (await kubectl(['exec', name, '--', 'echo', 'exec-ok'])).stdout === 'exec-ok\n');
}

const workerReady = () => until('worker-1 Ready', async () => (await kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True');

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: false, extraArgs: ['--cluster-cidr', `10.${200 + Math.floor(Math.random() * 50)}.0.0/16`] });
  agentDir = await mkdtemp(join(tmpdir(), 'gifee-worker-ca-'));
  const imp = await gifee(['images', 'import', '--data-dir', agentDir, images.busybox]);
  assert.equal(imp.code, 0, imp.out);
  originalToken = (await readFile(join(c.dataDir, 'node-token'), 'utf8')).trim();
  startAgent(['--token-file', join(c.dataDir, 'node-token')]);
});

/** refreshMs: how often it asks for the CA bundle (every second by default here; a minute in real life). */
function startAgent(tokenArgs: string[], refreshMs = 1000) {
  if (agent) earlierLogs += agent.log();
  agent = startJoinedAgent({ server: c.url, dataDir: agentDir, nodeName: 'worker-1', bridge, args: tokenArgs, env: { GIFEE_CA_REFRESH_MS: String(refreshMs) } });
}

after(async () => {
  await agent?.stop({ signal: 'SIGKILL', group: true });
  if (agentDir) {
    const { resetNode } = await import('../../src/agent/reset.js');
    await resetNode(agentDir, bridge);
    await rm(agentDir, { recursive: true, force: true });
  }
  if (c) await c.stop();
});

test('a joined worker survives rotate-ca and --finish: it takes the new bundle, renews its certificates, stays Ready; logs and exec reach its pods', { skip, timeout: 600_000 }, async () => {
  const pki = join(c.dataDir, 'pki');
  const oldCa = new X509Certificate(await readFile(join(pki, 'ca.crt'), 'utf8'));
  await workerReady();
  await until('a serving certificate of the cluster CA', async () => existsSync(join(agentDir, 'pki', 'kubelet-serving.crt')) && signedBy(await agentFile('kubelet-serving.crt'), oldCa));
  await c.kubectl(['run', 'before', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo hello from $(hostname); sleep 3600']);
  await podWorks('before');
  assert.equal(certsOf(await agentFile('ca.crt')).length, 1);

  // Step 1: a new CA; both trusted. The agent asks for the bundle only every 10 minutes for a while,
  // so it still trusts the old CA alone when the server comes back: the server's kubelet-client
  // certificate (the new CA's) reaches it with the cross-signed new CA, so logs and exec work at once.
  await stopAgent();
  startAgent([], 600_000);
  await workerReady();
  await stopServer();
  const rotated = await gifee(['certs', 'rotate-ca', '--data-dir', c.dataDir]);
  assert.equal(rotated.code, 0, rotated.out);
  const newCa = new X509Certificate(await readFile(join(pki, 'ca.crt'), 'utf8'));
  await c.restart();
  await podWorks('before');
  assert.equal(certsOf(await agentFile('ca.crt')).length, 1, 'the agent still holds the old CA alone');
  await stopAgent();
  startAgent([]);
  await until('the agent to take the new bundle (new CA first, old CA kept)', async () => {
    const held = certsOf(await agentFile('ca.crt'));
    return held.length === 2 && held[0].fingerprint256 === newCa.fingerprint256 && held[1].fingerprint256 === oldCa.fingerprint256;
  });
  await until('the client and serving certificates renewed by the new CA', async () => signedBy(await agentFile('kubelet-client.crt'), newCa) && signedBy(await agentFile('kubelet-serving.crt'), newCa));
  await workerReady();
  await podWorks('before');

  // Step 2: the old CA is trusted no more.
  await stopServer();
  const finished = await gifee(['certs', 'rotate-ca', '--data-dir', c.dataDir, '--finish']);
  assert.equal(finished.code, 0, finished.out);
  await c.restart();
  await until('the agent to drop the old CA', async () => {
    const held = certsOf(await agentFile('ca.crt'));
    return held.length === 1 && held[0].fingerprint256 === newCa.fingerprint256;
  });
  await workerReady();
  await podWorks('before');
  await c.kubectl(['run', 'after', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo hello from $(hostname); sleep 3600']);
  await podWorks('after');
  assert.doesNotMatch(agentLog(), /refusing the server's CA bundle/);
  await c.kubectl(['delete', 'pod', 'before', 'after', '--grace-period=1', '--wait=false']);

  // SIGTERM: the agent (its CA refresh timer and all) exits promptly.
  await stopAgent();
  // Started again as a unit file would, with the join token it was first given: its CA hash is the
  // old CA's, but the bundle the agent holds verifies the server, so it carries on.
  assert.notEqual((await readFile(join(c.dataDir, 'node-token'), 'utf8')).trim(), originalToken, "the server's token carries the new CA's hash");
  const before = agentLog().split('node agent ready').length;
  startAgent(['--token', originalToken]);
  await until('the agent is back', async () => agentLog().split('node agent ready').length > before);
  assert.equal(agent!.process.exitCode, null, agentLog().slice(-2000));
  assert.match(agentLog(), /join token's CA hash is not the cluster's bundle any more/);
  await workerReady();
  await stopAgent();
});

async function stopAgent() {
  const t = Date.now();
  await agent!.stop({ graceMs: 30_000 });
  assert.ok(Date.now() - t < 30_000, `the agent did not exit within 30 s of SIGTERM:\n${agentLog().slice(-3000)}`);
}
