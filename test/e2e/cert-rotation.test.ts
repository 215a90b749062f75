// Leaf certificate rotation while the server runs: with --leaf-cert-validity 30s the server renews
// its serving certificate, the components' client certificates and the embedded agent's
// certificates every 25 seconds or so, without a restart. Seen as a user sees it: the certificate the
// API server (and the agent) present over TLS changes, kubectl keeps working, the controllers,
// scheduler and agent keep working past their first certificates' expiry, and `gifee certs check`
// shows the new expiry.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { cliCommand, repoRoot, startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for the node agent' : false;

let c: Cluster;
let agentPort = 0;
let nodeName = '';

const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 120_000) =>
  waitUntil(what, fn, {
    timeoutMs: ms,
    intervalMs: 500,
    context: () =>
      c
        .logs()
        .split('\n')
        .filter((l) => /cert|renew|rotation|401|error/i.test(l))
        .slice(-40)
        .join('\n'),
  });

/** The certificate presented on a loopback port: its serial and expiry, read in the TLS handshake. */
function presented(port: number): Promise<{ serial: string; validTo: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = s.getPeerCertificate();
      s.destroy();
      resolve({ serial: cert.serialNumber, validTo: cert.valid_to });
    });
    s.once('error', reject);
  });
}

const gifee = (args: string[]) =>
  promisify(execFile)(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot }).then(
    (r) => ({ stdout: String(r.stdout), code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: String(e.stdout), code: e.code }),
  );

before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true, extraArgs: ['--leaf-cert-validity', '30s'] });
  await importImages(c.dataDir, [(await testImages()).busybox]);
  nodeName = await jp('nodes', '{.items[0].metadata.name}');
  agentPort = Number(await jp('nodes', '{.items[0].status.daemonEndpoints.kubeletEndpoint.Port}'));
  assert.ok(agentPort > 0);
});

after(async () => {
  await c?.stop();
});

test('the API server and the agent present renewed certificates several times without a restart; kubectl works throughout', { skip }, async () => {
  const port = Number(new URL(c.url).port);
  const pid = c.pid;
  const seen = new Set<string>();
  const seenOnAgent = new Set<string>();
  // Several renewals of the 30 s certificates (each at 80% of its life): the first at start (the
  // year-long ones from the first start are longer than the policy), then about every 25 s.
  await until('four serving certificates in turn on the API server port and three on the agent port', async () => {
    const api = await presented(port);
    seen.add(api.serial);
    seenOnAgent.add((await presented(agentPort)).serial);
    // kubectl verifies the serving certificate against the CA in its kubeconfig each time.
    const nodes = await c.kubectl(['get', 'nodes', '-o', 'name']);
    assert.match(nodes.stdout, new RegExp(`node/${nodeName}`));
    return seen.size >= 4 && seenOnAgent.size >= 3;
  });
  assert.equal(c.pid, pid, 'the server was not restarted');
  // Each served certificate is a 30 s one.
  const now = await presented(port);
  const left = Date.parse(now.validTo) - Date.now();
  assert.ok(left > 0 && left <= 31_000, `the served certificate expires in ${left} ms`);
});

test('the controllers, the scheduler and the agent keep working with their renewed certificates', { skip }, async () => {
  // Past the expiry of every certificate they started with: a deployment is rolled out and its pod
  // runs on the node (controllers, scheduler, agent), and kubectl logs reaches the agent (the API
  // server's renewed kubelet-client certificate, checked by the agent; the agent's renewed serving
  // certificate, checked by the API server against the CA).
  await c.kubectl(['create', 'deployment', 'rotated', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo rotated-hello; sleep 3600']);
  await until("the deployment's pod running", async () => (await jp('pods -l app=rotated', '{.items[0].status.phase}')) === 'Running');
  await until('kubectl logs through the agent', async () => (await c.kubectl(['logs', 'deployment/rotated'], { allowFail: true })).stdout.includes('rotated-hello'));
  const renewedAt = await jp(`lease ${nodeName} -n kube-node-lease`, '{.spec.renewTime}');
  await until('the node lease renewed again', async () => (await jp(`lease ${nodeName} -n kube-node-lease`, '{.spec.renewTime}')) !== renewedAt);
  assert.equal(await jp(`node ${nodeName}`, '{.status.conditions[?(@.type=="Ready")].status}'), 'True');
  // No component was refused for an expired certificate.
  assert.doesNotMatch(c.logs(), /certificate has expired|CERT_HAS_EXPIRED/);
});

test('gifee certs check shows the renewed expiry of the serving certificate', { skip }, async () => {
  const port = Number(new URL(c.url).port);
  await until('gifee certs check showing the served certificate', async () => {
    const served = await presented(port);
    const r = await gifee(['certs', 'check', '--data-dir', c.dataDir, '-o', 'json']);
    assert.equal(r.code, 0, r.stdout);
    const rows = JSON.parse(r.stdout).items as { file: string; notAfter: string; status: string }[];
    const server = rows.find((x) => x.file === 'server.crt');
    // Whole seconds: the JSON has milliseconds, the TLS handshake's date seconds.
    // (Its status is renews-at-restart: a 30 s certificate is always within the 30 days a restart renews.)
    return server !== undefined && Math.abs(Date.parse(server.notAfter) - Date.parse(served.validTo)) < 1000 && Date.parse(server.notAfter) - Date.now() <= 31_000;
  });
});
