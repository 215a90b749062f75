import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { boundClaims, keyIdOf, legacyClaims, parseServiceAccountUser, serviceAccountUser, TokenSigner } from './sa-token.js';

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const priv = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const pub = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();

test("bound claims are Kubernetes': sub, audiences, lifetime, and the kubernetes.io claim with what the token is bound to", () => {
  const c = boundClaims({ issuer: 'https://iss', audiences: ['a', 'b'], now: 1000, expirationSeconds: 600, namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u1' }, pod: { name: 'p', uid: 'u2' }, node: { name: 'n', uid: 'u3' }, jti: 'j' });
  assert.deepEqual(c, { aud: ['a', 'b'], exp: 1600, iat: 1000, iss: 'https://iss', jti: 'j', nbf: 1000, sub: 'system:serviceaccount:ns:sa', 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' }, pod: { name: 'p', uid: 'u2' }, node: { name: 'n', uid: 'u3' } } });
  assert.equal('secret' in c['kubernetes.io'], false);
});

test('legacy claims carry the secret and account, no expiry and no audience', () => {
  const c = legacyClaims('ns', { name: 'sa', uid: 'u1' }, 'sa-token');
  assert.equal(c.iss, 'kubernetes/serviceaccount');
  assert.equal(c['kubernetes.io/serviceaccount/secret.name'], 'sa-token');
  assert.equal(c.sub, 'system:serviceaccount:ns:sa');
  assert.equal('exp' in c || 'aud' in c, false);
});

test('service account user names parse back; other names do not', () => {
  assert.deepEqual(parseServiceAccountUser(serviceAccountUser('kube-system', 'default')), { namespace: 'kube-system', name: 'default' });
  for (const n of ['system:serviceaccount:ns', 'system:serviceaccount::x', 'system:serviceaccount:a:b:c', 'alice', 'system:node:n1']) assert.equal(parseServiceAccountUser(n), undefined, n);
});

test('the key id is the same from either half of the pair; tokens name it and verify with the public key', async () => {
  assert.equal(keyIdOf(priv), keyIdOf(pub));
  assert.match(keyIdOf(pub), /^[A-Za-z0-9_-]{43}$/);
  const signer = new TokenSigner(priv);
  const token = await signer.sign(boundClaims({ issuer: 'https://iss', audiences: ['a'], now: Math.floor(Date.now() / 1000), expirationSeconds: 600, namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u' }, jti: 'j' }));
  const { payload, protectedHeader } = await jwtVerify(token, await importSPKI(pub, 'ES256'), { issuer: 'https://iss', audience: 'a' });
  assert.deepEqual(protectedHeader, { alg: 'ES256', kid: signer.kid });
  assert.equal(payload.sub, 'system:serviceaccount:ns:sa');
});
