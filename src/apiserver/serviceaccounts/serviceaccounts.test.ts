// Service account tokens against a real API server on loopback (SQLite store): TokenRequest's
// answers and refusals, the token as a credential, and every way a token must fail (forged,
// expired, wrong audience, wrong issuer, deleted account or pod, oversized), always as a bare 401.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ensurePki, type Pki } from '../../cli/pki.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { RestClient, StatusError } from '../../client/rest.js';
import { R } from '../../client/resources.js';
import { startApiServer, type ApiServer } from '../server.js';
import { boundClaims, TokenSigner } from '../../api/auth/sa-token.js';
import { logger } from '../../util/log.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
let dir: string;
let pki: Pki;
let store: Store;
let api: ApiServer;
let admin: RestClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-satokens-'));
  pki = await ensurePki(dir, ['127.0.0.1']);
  store = await openStore({ backend: 'sqlite', dataDir: dir });
  api = await startApiServer({
    store,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert },
    log: logger('apiserver'),
    compactionIntervalMs: 0,
    serviceAccounts: { signingKey: pki.serviceAccount.key, issuer: ISSUER, maxExpirationSeconds: 7200 },
  });
  admin = new RestClient({ server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
});
after(async () => {
  admin.close();
  await api.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const tokenPath = (ns: string, sa: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;
const requestToken = (ns: string, sa: string, spec: Record<string, unknown> = {}) => admin.request<{ spec: { audiences: string[]; expirationSeconds: number }; status: { token: string; expirationTimestamp: string } }>('POST', tokenPath(ns, sa), { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

/** Who the API server says the token's bearer is: the pods list works, or the HTTP status it failed with. */
async function statusWith(token: string): Promise<number> {
  const c = new RestClient({ server: api.url, ca: pki.ca.cert, token });
  try {
    await c.list(R.pods, 'default');
    return 200;
  } catch (e) {
    if (e instanceof StatusError) {
      if (e.code === 401) assert.doesNotMatch(e.message, /expire|audience|issuer|signature|pod|deleted/i, 'a 401 says nothing about why');
      return e.code;
    }
    throw e;
  } finally {
    c.close();
  }
}

async function createPod(name: string, extra: Record<string, unknown> = {}) {
  return admin.request<{ metadata: { uid: string }; spec: Record<string, unknown> }>('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } });
}

test('TokenRequest issues a signed JWT with Kubernetes claims; the token authenticates as the account', async () => {
  const sa = await admin.request<{ metadata: { uid: string } }>('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
  const r = await requestToken('default', 'robot');
  assert.deepEqual(r.spec.audiences, [ISSUER]);
  assert.equal(r.spec.expirationSeconds, 3600);
  const claims = decodeJwt(r.status.token) as Record<string, unknown>;
  const header = decodeProtectedHeader(r.status.token);
  assert.equal(header.alg, 'ES256');
  assert.ok(header.kid);
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.sub, 'system:serviceaccount:default:robot');
  assert.deepEqual(claims.aud, [ISSUER]);
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  assert.equal(claims.nbf, claims.iat);
  assert.ok(claims.jti);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'robot', uid: sa.metadata.uid } });
  assert.equal(await statusWith(r.status.token), 200);
  const who = await api.state.tokenAuthenticators.at(-1)!.authenticateToken(r.status.token);
  assert.deepEqual(who?.user, { name: 'system:serviceaccount:default:robot', uid: sa.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] } });
});

test('TokenRequest validates expirationSeconds, caps it at the maximum, and refuses unknown accounts', async () => {
  await assert.rejects(requestToken('default', 'robot', { expirationSeconds: 10 }), (e: StatusError) => e.code === 422 && /spec\.expirationSeconds: Invalid value: 10: may not specify a duration less than 10 minutes/.test(e.message));
  assert.equal((await requestToken('default', 'robot', { expirationSeconds: 999999 })).spec.expirationSeconds, 7200);
  await assert.rejects(requestToken('default', 'nobody'), (e: StatusError) => e.code === 404 && /serviceaccounts "nobody" not found/.test(e.message));
  await assert.rejects(requestToken('default', 'robot', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }), (e: StatusError) => e.code === 400 && /cannot bind token to object of type/.test(e.message));
});

test('a token for another audience is not an API credential; it is for that audience', async () => {
  const r = await requestToken('default', 'robot', { audiences: ['vault'] });
  assert.equal(await statusWith(r.status.token), 401);
  const auth = api.state.tokenAuthenticators.at(-1)!;
  assert.deepEqual((await auth.authenticateToken(r.status.token, ['vault', 'other']))?.audiences, ['vault']);
});

test('pod-bound tokens: uid checked at issue, pod claims in the token and the user, dead once the pod is gone', async () => {
  const pod = await createPod('bound');
  // Admission: the default account, and its token volume mounted in the container.
  assert.equal(pod.spec.serviceAccountName, 'default');
  const vols = pod.spec.volumes as { name: string; projected?: { sources: Record<string, unknown>[] } }[];
  assert.match(vols[0].name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(vols[0].projected?.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
  assert.deepEqual((pod.spec.containers as { volumeMounts: unknown[] }[])[0].volumeMounts, [{ name: vols[0].name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  await assert.rejects(requestToken('default', 'default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid: 'not-the-uid' } }), (e: StatusError) => e.code === 409);
  await assert.rejects(requestToken('default', 'robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound' } }), (e: StatusError) => e.code === 400 && /different serviceaccount name/.test(e.message));
  const r = await requestToken('default', 'default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid: pod.metadata.uid } });
  const k8s = (decodeJwt(r.status.token) as { 'kubernetes.io': { pod: unknown } })['kubernetes.io'];
  assert.deepEqual(k8s.pod, { name: 'bound', uid: pod.metadata.uid });
  const who = await api.state.tokenAuthenticators.at(-1)!.authenticateToken(r.status.token);
  assert.deepEqual(who?.user.extra?.['authentication.kubernetes.io/pod-name'], ['bound']);
  assert.equal(await statusWith(r.status.token), 200);
  await admin.delete(R.pods, 'default', 'bound', { gracePeriodSeconds: 0 });
  assert.equal(await statusWith(r.status.token), 401);
});

test('secret-bound tokens die with their Secret', async () => {
  const secret = await admin.request<{ metadata: { uid: string } }>('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'anchor' }, data: {} });
  const r = await requestToken('default', 'robot', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'anchor', uid: secret.metadata.uid } });
  assert.deepEqual((decodeJwt(r.status.token) as { 'kubernetes.io': { secret: unknown } })['kubernetes.io'].secret, { name: 'anchor', uid: secret.metadata.uid });
  assert.equal(await statusWith(r.status.token), 200);
  await admin.delete(R.secrets, 'default', 'anchor');
  assert.equal(await statusWith(r.status.token), 401);
  await assert.rejects(requestToken('default', 'robot', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'anchor' } }), (e: StatusError) => e.code === 404);
});

test('automountServiceAccountToken false (pod or account) mounts nothing; a missing account is refused', async () => {
  const pod = await createPod('no-token', { automountServiceAccountToken: false });
  assert.equal(pod.spec.volumes, undefined);
  await admin.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false });
  assert.equal((await createPod('quiet-pod', { serviceAccountName: 'quiet' })).spec.volumes, undefined);
  await assert.rejects(createPod('lost', { serviceAccountName: 'ghost' }), (e: StatusError) => e.code === 403 && e.message === 'pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
});

test('forged, expired, wrong-issuer, oversized and deleted-account tokens are a plain 401', async () => {
  const sa = await admin.request<{ metadata: { uid: string } }>('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'doomed' } });
  const now = Math.floor(Date.now() / 1000);
  const base = { issuer: ISSUER, audiences: [ISSUER], now, expirationSeconds: 3600, namespace: 'default', serviceAccount: { name: 'doomed', uid: sa.metadata.uid }, jti: 'x' };
  const ours = new TokenSigner(pki.serviceAccount.key);
  assert.equal(await statusWith(await ours.sign(boundClaims(base))), 200, 'the control: a token signed with the cluster key works');
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  assert.equal(await statusWith(await new TokenSigner(otherKey).sign(boundClaims(base))), 401, 'forged');
  assert.equal(await statusWith(await ours.sign(boundClaims({ ...base, now: now - 7200 }))), 401, 'expired');
  assert.equal(await statusWith(await ours.sign(boundClaims({ ...base, issuer: 'https://evil.example' }))), 401, 'wrong issuer');
  assert.equal(await statusWith(await ours.sign(boundClaims({ ...base, audiences: ['elsewhere'] }))), 401, 'wrong audience');
  assert.equal(await statusWith(await ours.sign(boundClaims({ ...base, serviceAccount: { name: 'doomed', uid: 'old-uid' } }))), 401, 'recreated account');
  const good = await ours.sign(boundClaims(base));
  const [h, p, s] = good.split('.');
  const tampered = JSON.parse(Buffer.from(p, 'base64url').toString());
  tampered.sub = 'system:serviceaccount:kube-system:default';
  assert.equal(await statusWith(`${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${s}`), 401, 'tampered payload');
  assert.equal(await statusWith(`${h}.${'A'.repeat(9000)}.${s}`), 401, 'oversized');
  assert.equal(await statusWith('not-a-jwt'), 401, 'garbage');
  const alg = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  assert.equal(await statusWith(`${alg}.${p}.`), 401, 'alg none');
  await admin.delete(R.serviceaccounts, 'default', 'doomed');
  assert.equal(await statusWith(good), 401, 'deleted account');
});

test('issuer discovery: the OpenID configuration and the JWKS with the signing key', async () => {
  const config = await admin.request<Record<string, unknown>>('GET', '/.well-known/openid-configuration');
  assert.deepEqual(config, { issuer: ISSUER, jwks_uri: `${api.url}/openid/v1/jwks`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] });
  const jwks = await admin.request<{ keys: Record<string, unknown>[] }>('GET', '/openid/v1/jwks');
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kid, new TokenSigner(pki.serviceAccount.key).kid);
  assert.deepEqual(Object.keys(jwks.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
});

test('hostile TokenRequest bodies get 4xx Status answers, never a 500', async () => {
  const bodies: unknown[] = [
    [],
    'x',
    null,
    { spec: 'x' },
    { spec: [] },
    { kind: 'Pod' },
    { spec: { audiences: 'a' } },
    { spec: { audiences: [1, 2] } },
    { spec: { audiences: Array.from({ length: 1000 }, (_, i) => `a${i}`) } },
    { spec: { expirationSeconds: '3600' } },
    { spec: { expirationSeconds: 1e300 } },
    { spec: { expirationSeconds: 700.5 } },
    { spec: { boundObjectRef: [] } },
    { spec: { boundObjectRef: 'pod' } },
    { spec: { boundObjectRef: { kind: 'Pod' } } },
    { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'apps/v1', name: 'x' } } },
    { spec: { boundObjectRef: { kind: { a: 1 }, name: ['x'] } } },
  ];
  for (const body of bodies) {
    try {
      await admin.request('POST', tokenPath('default', 'robot'), JSON.stringify(body));
      assert.fail(`accepted ${JSON.stringify(body).slice(0, 80)}`);
    } catch (e) {
      assert.ok(e instanceof StatusError && e.code >= 400 && e.code < 500, `${JSON.stringify(body).slice(0, 80)}: ${String(e)}`);
    }
  }
  for (const method of ['GET', 'PUT', 'DELETE']) await assert.rejects(admin.request(method, tokenPath('default', 'robot')), (e: StatusError) => e.code === 405 || e.code === 404);
});
