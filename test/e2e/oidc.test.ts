// Signing in with OpenID Connect, against a real provider (oidc-provider, see test/helpers/oidc-provider.ts)
// on 127.0.0.1 over HTTPS with the test's own CA: kubectl --token=<ID token> is the user the token's
// email and groups claims name (read back from the audit log); tokens of another client, expired,
// forged, tampered or from another issuer get a bare 401; the server starts while the provider is
// down; after the provider rotates its keys, tokens signed with the new key are accepted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { createCa, issueCert, type CertPair } from '../../src/cli/pki.js';
import { freePort, kubectlBinary, startCluster, type Cluster } from '../helpers/cluster.js';
import { newSigningKey, startOidcProvider, type RunningProvider, type SigningKey } from '../helpers/oidc-provider.js';
import { until } from '../helpers/wait.js';

let dir: string;
let cluster: Cluster;
let provider: RunningProvider | undefined;
let idpCa: CertPair;
let idpTls: CertPair;
let port: number;
let k1: SigningKey;
let issuer: string;
const auditLog = () => join(dir, 'audit.log');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-oidc-'));
  idpCa = await createCa('test-idp-ca');
  idpTls = await issueCert(idpCa, { commonName: 'idp', ips: ['127.0.0.1'], usage: 'server' });
  await writeFile(join(dir, 'idp-ca.crt'), idpCa.cert);
  await writeFile(join(dir, 'policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  await writeFile(join(dir, 'empty-kubeconfig'), '');
  port = await freePort();
  issuer = `https://127.0.0.1:${port}`;
  k1 = await newSigningKey('k1');
  // The provider is not running yet: the server must start anyway.
  cluster = await startCluster({
    extraArgs: [...['--oidc-issuer-url', issuer, '--oidc-client-id', 'kubernetes', '--oidc-username-claim', 'email', '--oidc-groups-claim', 'groups', '--oidc-groups-prefix', 'oidc:', '--oidc-ca-file', join(dir, 'idp-ca.crt')], ...['--audit-policy-file', join(dir, 'policy.yaml'), '--audit-log-path', auditLog()]],
  });
});

after(async () => {
  await provider?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** kubectl with nothing but the server, its CA and the token: no client certificate. */
function kubectlWithToken(token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = ['--kubeconfig', join(dir, 'empty-kubeconfig'), '--server', cluster.url, '--certificate-authority', join(cluster.dataDir, 'pki', 'ca.crt'), `--token=${token}`];
  return new Promise((resolve) => {
    execFile(kubectlBinary, [...base, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout: String(stdout), stderr: String(stderr) }));
  });
}

/** A raw request with a bearer token only. */
async function rawWithToken(token: string, path: string): Promise<{ status: number; body: string }> {
  const ca = await readFile(join(cluster.dataDir, 'pki', 'ca.crt'));
  return new Promise((resolve, reject) => {
    const req = https.get(cluster.url + path, { ca, headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** A token signed by the test itself: claims as the provider would put them, unless overridden. */
async function selfSigned(key: SigningKey | { privateKey: CryptoKey; kid: string }, claims: Record<string, unknown>, exp: number | string = '1h'): Promise<string> {
  return new SignJWT({ email: 'mallory@example.test', email_verified: true, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer((claims.iss as string) ?? issuer)
    .setAudience('kubernetes')
    .setSubject('mallory')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key.privateKey);
}

async function auditUsers(): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const line of (await readFile(auditLog(), 'utf8')).split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    users.set(e.user.username, e.user.groups);
  }
  return users;
}

test('the server started while the provider is down; its tokens fail until it is up', async () => {
  const early = await selfSigned(k1, {});
  const r = await rawWithToken(early, '/api');
  assert.equal(r.status, 401);
  provider = await startOidcProvider({ port, tls: idpTls, ca: idpCa.cert, keys: [k1], groups: { alice: ['devs', 'admins'] } });
  // Keys are fetched on the next token (a failed fetch is retried after a second).
  await until('a token of the now-running provider is accepted', async () => (await rawWithToken(early, '/api')).status === 200, { timeoutMs: 15_000 });
});

test('kubectl --token with an ID token from the provider is the user of its claims', async () => {
  const token = await provider!.idToken('alice');
  const r = await kubectlWithToken(token, ['get', '--raw', '/api']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).kind, 'APIVersions');
  // Authenticated, but RBAC grants a new user nothing: the provider's groups are what a binding names.
  const before = await kubectlWithToken(token, ['get', 'namespaces', '-o', 'name']);
  assert.match(before.stderr, /namespaces is forbidden: User "alice@example.test" cannot list resource "namespaces"/);
  await cluster.kubectl(['create', 'clusterrolebinding', 'oidc-devs-read-namespaces', '--clusterrole=oidc-read-namespaces', '--group=oidc:devs']);
  await cluster.kubectl(['create', 'clusterrole', 'oidc-read-namespaces', '--verb=get,list', '--resource=namespaces']);
  await until('the devs group may list namespaces', async () => /namespace\/default/.test((await kubectlWithToken(token, ['get', 'namespaces', '-o', 'name'])).stdout), { timeoutMs: 10_000 });
  await until('the audit log names alice', async () => (await auditUsers()).has('alice@example.test'), { timeoutMs: 5000 });
  assert.deepEqual((await auditUsers()).get('alice@example.test'), ['oidc:devs', 'oidc:admins', 'system:authenticated']);
});

test('tokens of another client, expired, forged, tampered or of another issuer: 401 saying nothing', async () => {
  const good = await provider!.idToken('alice');
  const [h, p, s] = good.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const tampered = [h, Buffer.from(JSON.stringify({ ...claims, email: 'root@example.test' })).toString('base64url'), s].join('.');
  const foreign = await generateKeyPair('RS256');
  const bad: Record<string, string> = {
    'another client (audience)': await provider!.idToken('alice', 'other'),
    expired: await selfSigned(k1, {}, Math.floor(Date.now() / 1000) - 60),
    'forged with a foreign key under the provider key id': await selfSigned({ privateKey: foreign.privateKey, kid: 'k1' }, {}),
    tampered,
    'another issuer': await selfSigned({ privateKey: foreign.privateKey, kid: 'x' }, { iss: 'https://127.0.0.1:1' }),
    'unverified email': await selfSigned(k1, { email_verified: false }),
  };
  for (const [why, token] of Object.entries(bad)) {
    const r = await rawWithToken(token, '/api/v1/namespaces');
    assert.equal(r.status, 401, why);
    assert.doesNotMatch(r.body, /expire|audience|signature|issuer|kid|verif|claim/i, `${why}: the 401 says why`);
    const k = await kubectlWithToken(token, ['get', 'namespaces']);
    assert.notEqual(k.code, 0, why);
    assert.match(k.stderr, /Unauthorized/, why);
  }
  assert.ok(!(await auditUsers()).has('root@example.test'));
});

test('key rotation: after the provider rotates its keys, tokens signed with the new key are accepted', async () => {
  const before = await provider!.idToken('alice');
  await provider!.close();
  const k2 = await newSigningKey('k2');
  provider = await startOidcProvider({ port, tls: idpTls, ca: idpCa.cert, keys: [k2, k1], groups: { bob: ['ops'] } });
  const token = await provider.idToken('bob');
  assert.equal(decodeProtectedHeader(token).kid, 'k2');
  // The unknown key id makes the server refetch the JWKS (spaced at least a second apart).
  await until('a token signed with the new key is accepted', async () => (await kubectlWithToken(token, ['get', '--raw', '/api'])).code === 0, { timeoutMs: 15_000 });
  assert.equal((await kubectlWithToken(before, ['get', '--raw', '/api'])).code, 0, 'the old key is still published: its tokens still work');
});
