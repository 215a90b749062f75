// Node authorization on a real cluster with a real agent: a node's certificate (system:node:n1 in
// system:nodes, issued from the cluster PKI) reads the Secret its pod uses and nothing else, cannot
// delete another Node nor set its own node-restriction.kubernetes.io/ labels; the agent's port
// refuses a cluster-signed certificate that is not the API server's (403) and anonymous callers
// (401); kubectl logs and exec still reach the pod through the API server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages, importImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';
import { issueCert, issueNodeClientCert, type CertPair } from '../../src/cli/pki.js';
import { RestClient, StatusError } from '../../src/client/rest.js';
import { R } from '../../src/client/resources.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
let ca: CertPair;
let n1: RestClient;
let agentPort = 0;
const NODE = 'n1';

const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await c.kubectl(['get', 'pods,nodes', '-o', 'wide'], { allowFail: true })).stdout });

/** The HTTP status of a client call (200 when it succeeds). */
const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e) => (e instanceof StatusError ? e.code : Promise.reject(e)),
  );

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: { nodeName: NODE } });
  await importImages(c.dataDir, [images.busybox]);
  ca = { cert: await readFile(join(c.dataDir, 'pki', 'ca.crt'), 'utf8'), key: await readFile(join(c.dataDir, 'pki', 'ca.key'), 'utf8') };
  const cert = await issueNodeClientCert(ca, NODE);
  n1 = new RestClient({ server: c.url, ca: ca.cert, ...cert, userAgent: 'node-authorization-test' });
  // A Secret the pod uses, one nobody's pod uses, and the pod on n1 using the first.
  await c.kubectl(['create', 'secret', 'generic', 'used', '--from-literal=k=v']);
  await c.kubectl(['create', 'secret', 'generic', 'unrelated', '--from-literal=k=v']);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app' }, spec: { nodeName: NODE, containers: [{ name: 'app', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'echo hello from app; sleep 3600'], env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'used', key: 'k' } } }] }] } };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  await until('app Running', async () => (await c.kubectl(['get', 'pod', 'app', '-o', 'jsonpath={.status.phase}'], { allowFail: true })).stdout === 'Running');
  const node = (await n1.get(R.nodes, undefined, NODE)) as { status?: { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } };
  agentPort = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
});

after(async () => {
  n1?.close();
  if (c) await c.stop();
});

test("a node reads the Secret of its own pod, not another's", { skip }, async () => {
  assert.equal(await statusOf(n1.get(R.secrets, 'default', 'used')), 200);
  const refused = await n1.get(R.secrets, 'default', 'unrelated').catch((e: StatusError) => e);
  assert.ok(refused instanceof StatusError && refused.code === 403);
  assert.equal(refused.message, `secrets "unrelated" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${NODE}' and this object`);
  // Nor all of them at once; but its own by name, as a kubelet watches them.
  assert.equal(await statusOf(n1.list(R.secrets, 'default')), 403);
  assert.equal(await statusOf(n1.list(R.secrets, 'default', { fieldSelector: 'metadata.name=used' })), 200);
  assert.equal(await statusOf(n1.list(R.secrets, 'default', { fieldSelector: 'metadata.name=unrelated' })), 403);
});

test("a node cannot delete another Node, set its own node-restriction labels, nor write other nodes' pods' status", { skip }, async () => {
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'other' } }) });
  const del = await n1.delete(R.nodes, undefined, 'other').catch((e: StatusError) => e);
  assert.ok(del instanceof StatusError && del.code === 403, String(del));
  assert.equal(del.message, `nodes "other" is forbidden: User "system:node:${NODE}" cannot delete resource "nodes" in API group "" at the cluster scope`);
  // Patching another node: allowed by the node rules, refused by NodeRestriction.
  const other = await n1.patch(R.nodes, undefined, 'other', { metadata: { labels: { team: 'x' } } }).catch((e: StatusError) => e);
  assert.ok(other instanceof StatusError && other.code === 403);
  assert.equal(other.message, `nodes "other" is forbidden: node "${NODE}" is not allowed to modify node "other"`);
  const own = await n1.patch(R.nodes, undefined, NODE, { metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } } }).catch((e: StatusError) => e);
  assert.ok(own instanceof StatusError && own.code === 403);
  assert.equal(own.message, `nodes "${NODE}" is forbidden: node "${NODE}" is not allowed to modify labels: node-restriction.kubernetes.io/trusted`);
  // Its own labels outside the restricted prefixes are fine.
  assert.equal(await statusOf(n1.patch(R.nodes, undefined, NODE, { metadata: { labels: { 'example.com/rack': 'r1' } } })), 200);
  // An admin may set the restricted label (that is what it is for).
  await c.kubectl(['label', 'node', NODE, 'node-restriction.kubernetes.io/trusted=yes']);
  // The status of a pod bound to another node is not n1's to write; its own pod's is.
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere' }, spec: { nodeName: 'other', containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } }) });
  const foreign = await n1.patch(R.pods, 'default', 'elsewhere', { status: { message: 'mine now' } }, 'merge', 'status').catch((e: StatusError) => e);
  assert.ok(foreign instanceof StatusError && foreign.code === 403);
  assert.equal(foreign.message, `pods "elsewhere" is forbidden: node "${NODE}" can only update pod status for pods with spec.nodeName set to itself`);
  assert.equal(await statusOf(n1.get(R.pods, 'default', 'app')), 200);
  await c.kubectl(['delete', 'pod', 'elsewhere', '--grace-period=0', '--force'], { allowFail: true });
});

function agentGet(path: string, cert?: CertPair): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: agentPort, path, ca: ca.cert, servername: NODE, ...(cert ?? {}), timeout: 10_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

test("the agent's port refuses node certificates (403) and anonymous callers (401)", { skip }, async () => {
  assert.ok(agentPort > 0);
  const node = await issueNodeClientCert(ca, NODE);
  assert.equal(await agentGet('/containerLogs/default/app/app', node), 403);
  assert.equal(await agentGet('/metrics', node), 403);
  assert.equal(await agentGet('/containerLogs/default/app/app'), 401);
  // Even a member of system:masters: only the API server reaches the agent with a certificate.
  const admin = await issueCert(ca, { commonName: 'someone', organizations: ['system:masters'], usage: 'client' });
  assert.equal(await agentGet('/containerLogs/default/app/app', admin), 403);
  // A certificate of another CA is no authentication at all (the TLS layer may refuse it first).
  const { createCa } = await import('../../src/cli/pki.js');
  const foreign = await issueCert(await createCa('elsewhere'), { commonName: 'kube-apiserver-kubelet-client', usage: 'client' });
  const status = await agentGet('/metrics', foreign).catch(() => 401);
  assert.equal(status, 401);
});

test('kubectl logs and exec still work through the API server', { skip }, async () => {
  await until('logs through the API server', async () => (await c.kubectl(['logs', 'app'], { allowFail: true })).stdout === 'hello from app\n');
  assert.equal((await c.kubectl(['exec', 'app', '--', 'echo', 'exec-ok'])).stdout, 'exec-ok\n');
});
