import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createCa, issueCert } from '../../cli/pki.js';
import { issuedByOneOf, parseCertBundle, REQUEST_HEADER_DEFAULTS, requestHeaderAuthenticator, userFromHeaders } from './requestheader.js';

const reqWith = (rawHeaders: string[], cert?: X509Certificate) => ({ rawHeaders, socket: { authorized: !!cert, getPeerX509Certificate: () => cert } }) as unknown as IncomingMessage;

test('the user, groups and extras come from the configured headers; extra keys are unescaped and lower-cased', () => {
  const u = userFromHeaders(reqWith(['X-Remote-User', 'alice', 'X-Remote-Group', 'a', 'x-remote-group', 'b', 'X-Remote-Extra-Example.com%2FScope', 'read', 'X-Remote-Extra-example.com%2fscope', 'write']), REQUEST_HEADER_DEFAULTS);
  assert.deepEqual(u, { name: 'alice', groups: ['a', 'b', 'system:authenticated'], extra: { 'example.com/scope': ['read', 'write'] } });
  assert.equal(userFromHeaders(reqWith(['X-Remote-Group', 'a']), REQUEST_HEADER_DEFAULTS), null);
});

test('only certificates of the requestheader CA with an allowed CN authenticate by headers', async () => {
  const rhCA = await createCa('front-proxy-ca');
  const clusterCA = await createCa('cluster-ca');
  const proxy = new X509Certificate((await issueCert(rhCA, { commonName: 'front-proxy-client', usage: 'client' })).cert);
  const other = new X509Certificate((await issueCert(rhCA, { commonName: 'someone-else', usage: 'client' })).cert);
  const user = new X509Certificate((await issueCert(clusterCA, { commonName: 'front-proxy-client', usage: 'client' })).cert);
  assert.ok(issuedByOneOf(proxy, parseCertBundle(rhCA.cert)));
  assert.ok(!issuedByOneOf(user, parseCertBundle(rhCA.cert)));
  const authn = requestHeaderAuthenticator({ clientCA: rhCA.cert, allowedNames: ['front-proxy-client'], ...REQUEST_HEADER_DEFAULTS });
  const headers = ['X-Remote-User', 'alice'];
  assert.equal((await authn(reqWith(headers, proxy)))?.name, 'alice');
  // The cluster CA's certificate with the same CN is not a front proxy.
  assert.equal(await authn(reqWith(headers, user)), null);
  assert.equal(await authn(reqWith(headers)), null);
  await assert.rejects(async () => authn(reqWith(headers, other)), /Unauthorized/);
  // No allowed names: any certificate of the CA.
  const any = requestHeaderAuthenticator({ clientCA: rhCA.cert, allowedNames: [], ...REQUEST_HEADER_DEFAULTS });
  assert.equal((await any(reqWith(headers, other)))?.name, 'alice');
});

test('junk in a CA bundle is skipped', () => {
  assert.deepEqual(parseCertBundle('junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), []);
});
