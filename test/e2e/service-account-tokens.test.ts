// Service account tokens end to end, on a real cluster with a real node agent (runc): `kubectl create
// token` (1.32 and 1.27) gives a token kubectl can use with --token while a forged one gets 401; a
// pod gets its token, the cluster CA and its namespace mounted, and the kubernetes Service's
// variables; a real kubectl inside a real pod lists pods through the kubernetes Service with that
// token; a deleted pod's token stops working; kube-root-ca.crt is in every namespace and put back
// when changed; legacy token Secrets are filled on request; issuer discovery is served.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { until as waitUntil } from '../helpers/wait.js';
import { startCluster, kubectlBinary, olderKubectl, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

let c: Cluster;
let ca: string;
let haveKubectlImage = false;
const k = (args: string[], o?: { input?: string; allowFail?: boolean; binary?: string }) => c.kubectl(args, o);

const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, context: async () => (await k(['get', 'pods', '-A', '-o', 'wide'], { allowFail: true })).stdout });

/** kubectl with nothing but a bearer token (a kubeconfig without the admin certificate). */
async function withToken(token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(c.dataDir, `token-kubeconfig-${Math.random().toString(36).slice(2)}`);
  const kc = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: c.url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }], users: [{ name: 'u', user: { token } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' };
  await writeFile(file, JSON.stringify(kc), { mode: 0o600 });
  return new Promise((resolve) => {
    execFile(kubectlBinary, ['--kubeconfig', file, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }));
  });
}

const pod = (name: string, image: string, command: string[], extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image, command }], terminationGracePeriodSeconds: 1, ...extra } });

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  await store.importFile(images.busybox);
  if (images.kubectl) {
    await store.importFile(images.kubectl);
    haveKubectlImage = true;
  }
  ca = Buffer.from((await k(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).stdout, 'base64').toString();
  await until('the default service account', async () => (await k(['get', 'serviceaccount', 'default'], { allowFail: true })).code === 0);
  // Under RBAC, tokens authenticate but may do nothing: let this namespace's accounts read (not Secrets).
  await k(['create', 'rolebinding', 'service-accounts-view', '--clusterrole=view', '--group=system:serviceaccounts:default']);
});

after(async () => {
  await c?.stop();
});

test('kubectl create token (1.32 and 1.27): a token kubectl can use; a forged one is a 401', { skip }, async () => {
  await k(['create', 'serviceaccount', 'robot']);
  const token = (await k(['create', 'token', 'robot'])).stdout.trim();
  const claims = decodeJwt(token) as Record<string, any>;
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.sub, 'system:serviceaccount:default:robot');
  assert.deepEqual(claims.aud, [ISSUER]);
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal(claims['kubernetes.io'].serviceaccount.name, 'robot');
  const ok = await withToken(token, ['get', 'pods']);
  assert.equal(ok.code, 0, ok.stderr);

  const short = decodeJwt((await k(['create', 'token', 'robot', '--duration', '10m', '--audience', 'vault'])).stdout.trim()) as Record<string, any>;
  assert.equal(short.exp - short.iat, 600);
  assert.deepEqual(short.aud, ['vault']);
  const tooShort = await k(['create', 'token', 'robot', '--duration', '1m'], { allowFail: true });
  assert.notEqual(tooShort.code, 0);
  assert.match(tooShort.stderr, /may not specify a duration less than 10 minutes/);

  const old = await olderKubectl('1.27');
  if (old) {
    const t127 = (await k(['create', 'token', 'robot', '--duration', '20m'], { binary: old })).stdout.trim();
    const c127 = decodeJwt(t127) as Record<string, any>;
    assert.equal(c127.exp - c127.iat, 1200);
    assert.equal((await withToken(t127, ['get', 'pods'])).code, 0);
  }

  // A token for another audience, a tampered one and plain garbage: 401, kubectl's "Unauthorized", nothing more.
  const [h, p] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  payload.sub = 'system:serviceaccount:kube-system:default';
  for (const bad of [`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${token.split('.')[2]}`, 'forged.token.value', (await k(['create', 'token', 'robot', '--audience', 'vault'])).stdout.trim()]) {
    const r = await withToken(bad, ['get', 'pods']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized/);
  }
});

test('kubectl create token --bound-object-kind Pod: bound to the pod, dead with it', { skip }, async () => {
  await k(['apply', '-f', '-'], { input: JSON.stringify(pod('bound-target', 'gifee.local/busybox:1', ['sleep', '3600'], { automountServiceAccountToken: false })) });
  const uid = (await k(['get', 'pod', 'bound-target', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  const token = (await k(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'bound-target'])).stdout.trim();
  assert.deepEqual((decodeJwt(token) as Record<string, any>)['kubernetes.io'].pod, { name: 'bound-target', uid });
  assert.equal((await withToken(token, ['get', 'pods'])).code, 0);
  await k(['delete', 'pod', 'bound-target', '--wait=true', '--timeout=60s']);
  const r = await withToken(token, ['get', 'pods']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Unauthorized/);
});

test("a pod's mounted token, ca.crt and namespace, the kubernetes Service variables; its token dies with the pod", { skip }, async () => {
  await k(['apply', '-f', '-'], { input: JSON.stringify(pod('mounted', 'gifee.local/busybox:1', ['sleep', '3600'])) });
  await k(['wait', '--for=condition=Ready', 'pod/mounted', '--timeout=90s']);
  const exec = async (...cmd: string[]) => (await k(['exec', 'mounted', '--', ...cmd])).stdout;
  const token = await exec('cat', `${MOUNT}/token`);
  assert.equal(await exec('cat', `${MOUNT}/namespace`), 'default');
  assert.equal(await exec('cat', `${MOUNT}/ca.crt`), ca);
  const uid = (await k(['get', 'pod', 'mounted', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  const claims = decodeJwt(token) as Record<string, any>;
  assert.equal(claims.exp - claims.iat, 3607);
  assert.equal(claims['kubernetes.io'].pod.uid, uid);
  // Read-only, as Kubernetes mounts it.
  assert.notEqual((await k(['exec', 'mounted', '--', 'sh', '-c', `echo x > ${MOUNT}/token`], { allowFail: true })).code, 0);
  const clusterIP = (await k(['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
  const env = await exec('env');
  assert.match(env, new RegExp(`^KUBERNETES_SERVICE_HOST=${clusterIP.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(env, /^KUBERNETES_SERVICE_PORT=443$/m);
  assert.match(env, /^KUBERNETES_SERVICE_PORT_HTTPS=443$/m);
  assert.equal((await withToken(token, ['get', 'pods'])).code, 0);
  await k(['delete', 'pod', 'mounted', '--wait=true', '--timeout=60s']);
  const r = await withToken(token, ['get', 'pods']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Unauthorized/);
});

test('kubectl inside a pod lists pods through the kubernetes Service with its mounted token', { skip }, async (t) => {
  if (!haveKubectlImage) return t.skip('no static kubectl on this host for gifee.local/kubectl:1');
  await k(['apply', '-f', '-'], { input: JSON.stringify(pod('in-cluster', 'gifee.local/kubectl:1', ['sh', '-c', 'kubectl get pods -o name && kubectl get serviceaccounts -o name'], { restartPolicy: 'Never' })) });
  await until('the in-cluster kubectl to finish', async () => /Succeeded|Failed/.test((await k(['get', 'pod', 'in-cluster', '-o', 'jsonpath={.status.phase}'])).stdout), 120_000);
  const logs = (await k(['logs', 'in-cluster'])).stdout;
  assert.equal((await k(['get', 'pod', 'in-cluster', '-o', 'jsonpath={.status.phase}'])).stdout, 'Succeeded', logs);
  assert.match(logs, /^pod\/in-cluster$/m);
  assert.match(logs, /^serviceaccount\/default$/m);
});

test('with RBAC: a pod reads what its Role allows and gets 403 for the rest', { skip }, async (t) => {
  if (!haveKubectlImage) return t.skip('no static kubectl on this host for gifee.local/kubectl:1');
  await k(['create', 'serviceaccount', 'reader']);
  await k(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods']);
  await k(['create', 'rolebinding', 'reader-pods', '--role=pod-reader', '--serviceaccount=default:reader']);
  const script = 'kubectl get pods -o name; echo "pods=$?"; kubectl get secrets 2>&1; echo "secrets=$?"';
  await k(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rbac-client' }, spec: { serviceAccountName: 'reader', restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'gifee.local/kubectl:1', command: ['sh', '-c', script] }] } }),
  });
  await until('the RBAC client to finish', async () => /Succeeded|Failed/.test((await k(['get', 'pod', 'rbac-client', '-o', 'jsonpath={.status.phase}'])).stdout), 120_000);
  const logs = (await k(['logs', 'rbac-client'])).stdout;
  assert.match(logs, /^pods=0$/m, logs);
  assert.match(logs, /^pod\/rbac-client$/m, logs);
  assert.match(logs, /secrets is forbidden: User "system:serviceaccount:default:reader" cannot list resource "secrets" in API group "" in the namespace "default"/, logs);
  assert.match(logs, /^secrets=1$/m, logs);
});

test('kube-root-ca.crt is in every namespace and put back when changed', { skip }, async () => {
  await k(['create', 'namespace', 'fresh']);
  const caOf = async () => (await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'jsonpath={.data.ca\\.crt}'], { allowFail: true })).stdout;
  await until('kube-root-ca.crt in the new namespace', async () => (await caOf()) === ca.trimEnd() || (await caOf()) === ca);
  await k(['patch', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '--type=merge', '-p', '{"data":{"ca.crt":"tampered","extra":"x"}}']);
  await until('the CA restored', async () => (await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'json'])).stdout.includes('BEGIN CERTIFICATE') && !(await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'json'])).stdout.includes('"extra"'));
  await k(['delete', 'configmap', 'kube-root-ca.crt', '-n', 'fresh']);
  await until('the ConfigMap recreated', async () => (await caOf()).includes('BEGIN CERTIFICATE'));
});

test('a legacy token Secret is filled on request, works, and stops working once deleted', { skip }, async () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'robot-token', annotations: { 'kubernetes.io/service-account.name': 'robot' } }, type: 'kubernetes.io/service-account-token' };
  await k(['apply', '-f', '-'], { input: JSON.stringify(secret) });
  let token = '';
  await until('the token filled in', async () => {
    token = Buffer.from((await k(['get', 'secret', 'robot-token', '-o', 'jsonpath={.data.token}'])).stdout, 'base64').toString();
    return token.length > 0;
  });
  assert.equal(Buffer.from((await k(['get', 'secret', 'robot-token', '-o', 'jsonpath={.data.namespace}'])).stdout, 'base64').toString(), 'default');
  const claims = decodeJwt(token) as Record<string, any>;
  assert.equal(claims.iss, 'kubernetes/serviceaccount');
  assert.equal(claims.exp, undefined, 'legacy tokens never expire');
  assert.equal((await withToken(token, ['get', 'pods'])).code, 0);
  await k(['delete', 'secret', 'robot-token']);
  assert.match((await withToken(token, ['get', 'pods'])).stderr, /Unauthorized/);
  // Nothing is made on its own: no token Secret for a new account.
  await k(['create', 'serviceaccount', 'plain']);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await k(['get', 'secrets', '-o', 'name'])).stdout.trim(), '');
});

test('service account issuer discovery: the OpenID configuration and the JWKS', { skip }, async () => {
  const config = JSON.parse((await k(['get', '--raw', '/.well-known/openid-configuration'])).stdout);
  assert.equal(config.issuer, ISSUER);
  assert.equal(config.jwks_uri, `${c.url}/openid/v1/jwks`);
  assert.deepEqual(config.id_token_signing_alg_values_supported, ['ES256']);
  const jwks = JSON.parse((await k(['get', '--raw', '/openid/v1/jwks'])).stdout);
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kty, 'EC');
  assert.equal(jwks.keys[0].crv, 'P-256');
});
