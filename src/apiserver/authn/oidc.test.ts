import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createCa, issueCert } from '../../cli/pki.js';
import { OidcAuthenticator } from './oidc.js';

// A minimal issuer: discovery and JWKS documents served over HTTPS from the test's own CA.
const ca = await createCa('oidc-unit-ca');
const tls = await issueCert(ca, { commonName: 'idp', ips: ['127.0.0.1'], usage: 'server' });
let discoveryIssuer = '';
let jwks: { keys: object[] } = { keys: [] };
let jwksFetches = 0;
const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
  if (req.url === '/.well-known/openid-configuration') return void res.end(JSON.stringify({ issuer: discoveryIssuer, jwks_uri: `${issuer}/jwks` }));
  if (req.url === '/jwks') {
    jwksFetches++;
    return void res.end(JSON.stringify(jwks));
  }
  if (req.url === '/huge/.well-known/openid-configuration') return void res.end('x'.repeat(2 * 1024 * 1024));
  res.statusCode = 404;
  res.end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
discoveryIssuer = issuer;
after(() => {
  server.closeAllConnections();
  server.close();
});

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}
const sign = (k: { kid: string; privateKey: CryptoKey }, claims: Record<string, unknown> = {}, iss = issuer) => new SignJWT({ sub: 'u1', ...claims }).setProtectedHeader({ alg: 'RS256', kid: k.kid }).setIssuer(iss).setAudience('k8s').setIssuedAt().setExpirationTime('5m').sign(k.privateKey);

test('tokens verified against discovery and JWKS; an unknown key id refetches the set (spaced)', async () => {
  const [k1, k2, forged] = await Promise.all([key('k1'), key('k2'), key('k9')]);
  const [t2, t9] = await Promise.all([sign(k2), sign(forged)]);
  jwks = { keys: [k1.jwk] };
  const a = new OidcAuthenticator({ issuerURL: issuer, clientID: 'k8s', usernameClaim: 'sub', usernamePrefix: 'oidc:', ca: ca.cert, jwksRefetchIntervalMs: 2000 });
  assert.deepEqual((await a.authenticateToken(await sign(k1)))?.user, { name: 'oidc:u1', groups: ['system:authenticated'] });
  jwks = { keys: [k2.jwk, k1.jwk] };
  const fetches = jwksFetches;
  // Right after a fetch, a new key id waits for the spacing...
  assert.equal(await a.authenticateToken(t2), null);
  assert.equal(jwksFetches, fetches, 'no refetch inside the interval');
  await new Promise((r) => setTimeout(r, 2050));
  assert.equal((await a.authenticateToken(t2))?.user.name, 'oidc:u1');
  assert.equal(jwksFetches, fetches + 1);
  // ...and made-up key ids cost at most one fetch per interval.
  for (let i = 0; i < 20; i++) assert.equal(await a.authenticateToken(t9), null);
  assert.ok(jwksFetches <= fetches + 2);
});

test('refused: another issuer, wrong audience, no exp, a discovery document naming another issuer, an oversized document, plain http', async () => {
  const k1 = await key('k1');
  jwks = { keys: [k1.jwk] };
  const a = new OidcAuthenticator({ issuerURL: issuer, clientID: 'k8s', usernameClaim: 'sub', ca: ca.cert });
  assert.equal(await a.authenticateToken(await sign(k1, {}, 'https://elsewhere')), null);
  assert.equal(await a.authenticateToken(await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience('other').setExpirationTime('5m').sign(k1.privateKey)), null);
  assert.equal(await a.authenticateToken(await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience('k8s').sign(k1.privateKey)), null);
  assert.equal(await a.authenticateToken('not.a.jwt'), null);
  assert.equal(await a.authenticateToken('x'.repeat(20_000)), null);
  discoveryIssuer = 'https://evil.example';
  try {
    const b = new OidcAuthenticator({ issuerURL: issuer, clientID: 'k8s', usernameClaim: 'sub', ca: ca.cert });
    assert.equal(await b.authenticateToken(await sign(k1)), null);
  } finally {
    discoveryIssuer = issuer;
  }
  const huge = new OidcAuthenticator({ issuerURL: `${issuer}/huge`, clientID: 'k8s', usernameClaim: 'sub', ca: ca.cert });
  assert.equal(await huge.authenticateToken(await sign(k1, {}, `${issuer}/huge`)), null);
  const noCa = new OidcAuthenticator({ issuerURL: issuer, clientID: 'k8s', usernameClaim: 'sub' });
  assert.equal(await noCa.authenticateToken(await sign(k1)), null, 'the provider certificate is not trusted without the CA');
  assert.throws(() => new OidcAuthenticator({ issuerURL: 'http://127.0.0.1:1', clientID: 'k8s', usernameClaim: 'sub' }), /https/);
});
