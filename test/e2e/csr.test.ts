// Certificates through the CSR API, bootstrap tokens and people, as an administrator and a joining
// node would use them on a real server: kubectl get/approve/deny CSRs (kubectl 1.32 and 1.27), the
// built-in signers and the node approver (a node asking for another node's name is denied),
// `gifee user add` writing a kubeconfig that authenticates, `gifee token create|list|delete`, and
// expired or unknown bootstrap tokens refused with 401.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startCluster, cliCommand, repoRoot, kubectlBinary, olderKubectl, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { makeKeyAndRequest } from '../../src/cli/csr-client.js';
import { RestClient, type StatusError } from '../../src/client/rest.js';

let c: Cluster;
let tmp: string;
let ca: string;

function gifee(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 90_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) }));
  });
}

function kubectlAs(kubeconfig: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) }));
  });
}

async function csrYaml(name: string, signerName: string, subject: Parameters<typeof makeKeyAndRequest>[0], usages = ['digital signature', 'client auth']) {
  const { request, key } = await makeKeyAndRequest(subject);
  return { key, yaml: JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: Buffer.from(request).toString('base64'), signerName, usages } }) };
}

const csrJson = async (name: string) => JSON.parse((await c.kubectl(['get', 'csr', name, '-o', 'json'])).stdout);
const conditionTypes = (o: { status?: { conditions?: { type: string }[] } }) => (o.status?.conditions ?? []).map((x) => x.type);

/** A client with a bearer token (a joining node before it has a certificate). */
const tokenClient = (token: string) => new RestClient({ server: c.url, ca, token });

async function submit(client: RestClient, signerName: string, subject: Parameters<typeof makeKeyAndRequest>[0], usages = ['digital signature', 'client auth']) {
  const { request, key } = await makeKeyAndRequest(subject);
  const created = await client.create({ group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', namespaced: false }, undefined, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'e2e-' },
    spec: { request: Buffer.from(request).toString('base64'), signerName, usages },
  });
  return { name: created.metadata!.name!, key, created };
}

async function settled(name: string) {
  let o: any;
  await until(`${name} decided`, async () => {
    o = await csrJson(name);
    const t = conditionTypes(o);
    return t.includes('Denied') || t.includes('Failed') || !!o.status?.certificate;
  });
  return o;
}

before(async () => {
  c = await startCluster({});
  tmp = await mkdtemp(join(tmpdir(), 'gifee-csr-'));
  ca = await readFile(join(c.dataDir, 'pki', 'ca.crt'), 'utf8');
});

after(async () => {
  await c?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('kubectl get csr, certificate approve and deny (1.32 and 1.27); the signer issues approved requests', async () => {
  const a = await csrYaml('alice-req', 'kubernetes.io/kube-apiserver-client', { commonName: 'alice', organizations: ['devs'] });
  await c.kubectl(['create', '-f', '-'], { input: a.yaml });
  const row = (await c.kubectl(['get', 'csr', 'alice-req'])).stdout;
  assert.match(row, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/);
  assert.match(row, /alice-req\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+system:admin\s+<none>\s+Pending/);
  // The requester is the authenticated user, whatever the body said.
  const spec = (await csrJson('alice-req')).spec;
  assert.equal(spec.username, 'system:admin');
  assert.ok(spec.groups.includes('system:masters'));
  assert.match((await c.kubectl(['certificate', 'approve', 'alice-req'])).stdout, /approved/);
  const issued = await settled('alice-req');
  assert.deepEqual(conditionTypes(issued), ['Approved']);
  const cert = new X509Certificate(Buffer.from(issued.status.certificate, 'base64'));
  assert.match(cert.subject, /CN=alice/);
  assert.match(cert.subject, /O=devs/);
  assert.ok(cert.verify(new X509Certificate(ca).publicKey));
  assert.match((await c.kubectl(['get', 'csr', 'alice-req'])).stdout, /Approved,Issued/);

  const old = (await olderKubectl('1.27')) ?? kubectlBinary;
  const b = await csrYaml('bob-req', 'kubernetes.io/kube-apiserver-client', { commonName: 'bob' });
  await c.kubectl(['create', '-f', '-'], { input: b.yaml });
  await c.kubectl(['certificate', 'deny', 'bob-req'], { binary: old });
  const denied = await csrJson('bob-req');
  assert.deepEqual(conditionTypes(denied), ['Denied']);
  assert.equal(denied.status.certificate, undefined);
  // A merge patch through /approval works too (as client libraries may send); the spec stays as stored.
  const c2 = await csrYaml('carl-req', 'kubernetes.io/kube-apiserver-client', { commonName: 'carl' });
  await c.kubectl(['create', '-f', '-'], { input: c2.yaml });
  const patched = await c.request('PATCH', '/apis/certificates.k8s.io/v1/certificatesigningrequests/carl-req/approval', { spec: { username: 'x' }, status: { conditions: [{ type: 'Denied', status: 'True', reason: 'ByPatch' }] } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.body);
  assert.equal(patched.json.spec.username, 'system:admin');
  assert.equal(patched.json.status.conditions[0].reason, 'ByPatch');
  assert.ok(patched.json.status.conditions[0].lastTransitionTime);
  // Approved and Denied are exclusive.
  const both = await c.kubectl(['certificate', 'approve', 'bob-req'], { allowFail: true });
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /mutually exclusive|Denied/);
});

test('a malformed request is a 422 naming spec.request; system:masters is refused; the spec is immutable', async () => {
  const bad = await c.request('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'bad' },
    spec: { request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n').toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 60 },
  });
  assert.equal(bad.status, 422);
  const fields = bad.json.details.causes.map((x: { field: string }) => x.field);
  assert.ok(fields.includes('spec.request'), bad.body);
  assert.ok(fields.includes('spec.expirationSeconds'), bad.body);
  const m = await csrYaml('masters', 'kubernetes.io/kube-apiserver-client', { commonName: 'mallory', organizations: ['system:masters'] });
  const refused = await c.kubectl(['create', '-f', '-'], { input: m.yaml, allowFail: true });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /system:masters group is not allowed/);
  // Updates of the main resource change metadata only: the spec stays as created.
  await c.kubectl(['patch', 'csr', 'alice-req', '--type=merge', '-p', '{"metadata":{"labels":{"a":"b"}},"spec":{"username":"someone-else","signerName":"example.com/x"}}']);
  const after = await csrJson('alice-req');
  assert.equal(after.metadata.labels.a, 'b');
  assert.equal(after.spec.username, 'system:admin');
  assert.equal(after.spec.signerName, 'kubernetes.io/kube-apiserver-client');
});

test('gifee user add writes a kubeconfig (0600) whose certificate authenticates', async () => {
  const out = join(tmp, 'carol.kubeconfig');
  const r = await gifee(['user', 'add', 'carol', '--group', 'team-a', '--group', 'team-b', '--kubeconfig-out', out, '--data-dir', c.dataDir]);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /rolebinding/);
  assert.equal((await stat(out)).mode & 0o777, 0o600);
  const kc = parse(await readFile(out, 'utf8'));
  const cert = new X509Certificate(Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'));
  assert.match(cert.subject, /CN=carol/);
  assert.match(cert.subject, /O=team-a/);
  // An authenticated request (non-public path) with the user's own kubeconfig.
  const api = await kubectlAs(out, ['get', '--raw', '/api']);
  assert.equal(api.code, 0, api.err);
  assert.match(api.out, /"versions"/);
  assert.equal((await kubectlAs(out, ['get', '--raw', '/version'])).code, 0);
  const reserved = await gifee(['user', 'add', 'system:evil', '--data-dir', c.dataDir, '--kubeconfig-out', join(tmp, 'x')]);
  assert.equal(reserved.code, 2);
});

test('gifee token create/list/delete; a bootstrap token authenticates as system:bootstrap:ID; expired and deleted ones get 401', async () => {
  const created = await gifee(['token', 'create', '--ttl', '1h', '--description', 'for e2e', '--data-dir', c.dataDir]);
  assert.equal(created.code, 0, created.err);
  const join_ = created.out.trim();
  const m = /^K10[0-9a-f]{64}::([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(join_);
  assert.ok(m, join_);
  const [id, secret] = [m[1], m[2]];
  const list = await gifee(['token', 'list', '--data-dir', c.dataDir]);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^ID\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION/);
  assert.match(list.out, new RegExp(`^${id}\\s+(59m|1h0m)\\s+\\S+\\s+authentication,signing\\s+for e2e`, 'm'));
  assert.ok(!list.out.includes(secret), 'list never shows secrets');
  // The server's own join token is listed too, without expiry.
  assert.match(list.out, /<forever>/);

  const client = tokenClient(`${id}.${secret}`);
  try {
    const csr = await submit(client, 'kubernetes.io/kube-apiserver-client-kubelet', { commonName: 'system:node:boot-1', organizations: ['system:nodes'] });
    assert.equal((csr.created.spec as { username: string }).username, `system:bootstrap:${id}`);
    assert.ok((csr.created.spec as { groups: string[] }).groups.includes('system:bootstrappers'));
    const wrong = tokenClient(`${id}.${'x'.repeat(16)}`);
    await assert.rejects(wrong.list({ group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', namespaced: false }), (e: StatusError) => e.code === 401);
    wrong.close();
  } finally {
    client.close();
  }

  assert.equal((await gifee(['token', 'delete', id, '--data-dir', c.dataDir])).code, 0);
  const gone = tokenClient(`${id}.${secret}`);
  await assert.rejects(gone.list({ group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', namespaced: false }), (e: StatusError) => e.code === 401);
  gone.close();

  // An expired token (its Secret made by hand, as kubeadm's): refused, then removed by the token cleaner.
  const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await c.kubectl(['create', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-expird', namespace: 'kube-system' }, stringData: { 'token-id': 'expird', 'token-secret': 'abcdefghijklmnop', expiration: past, 'usage-bootstrap-authentication': 'true' } }),
  });
  // Asked without a client certificate (the admin's would win over the token).
  const raw = tokenClient('expird.abcdefghijklmnop');
  await assert.rejects(raw.request('GET', '/api'), (e: StatusError) => e.code === 401);
  raw.close();
  await until('the token cleaner deletes the expired token', async () => (await c.kubectl(['get', 'secret', '-n', 'kube-system', 'bootstrap-token-expird', '--ignore-not-found', '-o', 'name'])).stdout === '');
});

test("the approver: a bootstrap token gets a node's client certificate; a node cannot ask for another node's name; bad requests are denied or failed", async () => {
  const created = await gifee(['token', 'create', '--data-dir', c.dataDir]);
  const token = created.out.trim().split('::')[1];
  const boot = tokenClient(token);
  let pendingUser = '';
  let nodeCert: string;
  let nodeKey: string;
  try {
    const ok = await submit(boot, 'kubernetes.io/kube-apiserver-client-kubelet', { commonName: 'system:node:node-a', organizations: ['system:nodes'] });
    const done = await settled(ok.name);
    assert.deepEqual(conditionTypes(done), ['Approved']);
    assert.equal(done.status.conditions[0].reason, 'AutoApproved');
    nodeCert = Buffer.from(done.status.certificate, 'base64').toString();
    nodeKey = ok.key;
    assert.match(new X509Certificate(nodeCert).subject, /CN=system:node:node-a/);
    // A bootstrap token asking for anything else: denied.
    const admin = await submit(boot, 'kubernetes.io/kube-apiserver-client-kubelet', { commonName: 'admin', organizations: ['system:masters'] });
    assert.deepEqual(conditionTypes(await settled(admin.name)), ['Denied']);
    // Anything but a node client certificate is not the approver's to decide: it stays pending
    // (checked below, once later requests have been decided).
    const user = await submit(boot, 'kubernetes.io/kube-apiserver-client', { commonName: 'someone' });
    pendingUser = user.name;
  } finally {
    boot.close();
  }
  // node-a with its own certificate: renewing itself is approved, another node's name is denied.
  const nodeA = new RestClient({ server: c.url, ca, cert: nodeCert, key: nodeKey });
  try {
    const renew = await submit(nodeA, 'kubernetes.io/kube-apiserver-client-kubelet', { commonName: 'system:node:node-a', organizations: ['system:nodes'] });
    assert.equal((renew.created.spec as { username: string }).username, 'system:node:node-a');
    const renewed = await settled(renew.name);
    assert.ok(renewed.status.certificate, 'renewal issued');
    // Another node's name: refused at admission (NodeRestriction), before the approver would deny it.
    await assert.rejects(submit(nodeA, 'kubernetes.io/kube-apiserver-client-kubelet', { commonName: 'system:node:other', organizations: ['system:nodes'] }), (e: Error & { code?: number }) => e.code === 403 && /can only create a node CSR with CN=system:node:node-a/.test(e.message));
    const serving = await submit(nodeA, 'kubernetes.io/kubelet-serving', { commonName: 'system:node:other', organizations: ['system:nodes'], dnsNames: ['other'] }, ['digital signature', 'server auth']);
    assert.deepEqual(conditionTypes(await settled(serving.name)), ['Denied']);
  } finally {
    nodeA.close();
  }
  assert.deepEqual(conditionTypes(JSON.parse((await c.kubectl(['get', 'csr', pendingUser, '-o', 'json'])).stdout)), [], "a bootstrap token's user certificate request stays pending");
  // An administrator approving a request its signer must not sign: Failed, no certificate.
  const f = await csrYaml('not-a-node', 'kubernetes.io/kube-apiserver-client-kubelet', { commonName: 'bob', organizations: ['system:nodes'] });
  await c.kubectl(['create', '-f', '-'], { input: f.yaml });
  await c.kubectl(['certificate', 'approve', 'not-a-node']);
  const failed = await settled('not-a-node');
  assert.deepEqual(conditionTypes(failed), ['Approved', 'Failed']);
  assert.equal(failed.status.certificate, undefined);
});
