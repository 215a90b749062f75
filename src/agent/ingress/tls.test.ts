import assert from 'node:assert/strict';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createCa, issueCert } from '../../cli/pki.js';
import { compileRoutes, CLASS_NAME, CONTROLLER_NAME } from './routing.js';
import { certCovers, CertificateStore, contextOfSecret, selfSignedCertificate, type SecretLike } from './tls.js';

const gifee = { metadata: { name: CLASS_NAME }, spec: { controller: CONTROLLER_NAME } };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (name: string, cert: string, key: string, rv = '1'): SecretLike => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(cert), 'tls.key': b64(key) } });
const ingress = (name: string, tls: { hosts?: string[]; secretName: string }[], hosts: string[] = []) => ({
  metadata: { name, namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { ingressClassName: CLASS_NAME, tls, rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } })) },
});

test('SNI: each host gets its Secret, wildcards one label deep, everything else the default; a bad Secret is reported once and falls back', async () => {
  const ca = await createCa('t');
  const a = await issueCert(ca, { commonName: 'a.example', dnsNames: ['a.example'], usage: 'server' });
  const wild = await issueCert(ca, { commonName: '*.w.example', dnsNames: ['*.w.example'], usage: 'server' });
  const other = await issueCert(ca, { commonName: 'x', usage: 'server' });
  const def = await selfSignedCertificate();
  const store = new CertificateStore(createSecureContext(def));
  const secrets = new Map<string, SecretLike>([
    ['ns/a-tls', secret('a-tls', a.cert, a.key)],
    ['ns/w-tls', secret('w-tls', wild.cert, wild.key)],
    ['ns/mismatch', secret('mismatch', a.cert, other.key)],
    ['ns/garbage', { metadata: { name: 'garbage', namespace: 'ns' }, data: { 'tls.crt': b64('not a cert'), 'tls.key': b64('nope') } }],
    ['ns/wrong-name', secret('wrong-name', a.cert, a.key)],
  ]);
  const table = compileRoutes(
    [
      ingress('i', [
        { hosts: ['a.example'], secretName: 'a-tls' },
        { hosts: ['*.w.example'], secretName: 'w-tls' },
        { hosts: ['m.example'], secretName: 'mismatch' },
        { hosts: ['g.example'], secretName: 'garbage' },
        { hosts: ['n.example'], secretName: 'wrong-name' },
        { hosts: ['gone.example'], secretName: 'missing' },
      ]),
    ],
    [gifee],
  );
  const problems = store.update(table, (ns, name) => secrets.get(`${ns}/${name}`));
  assert.deepEqual(problems.map((p) => p.tls.host).sort(), ['g.example', 'gone.example', 'm.example', 'n.example']);
  assert.match(problems.find((p) => p.tls.host === 'gone.example')!.message, /does not exist/);
  assert.match(problems.find((p) => p.tls.host === 'n.example')!.message, /does not cover n\.example/);
  assert.deepEqual(store.servedHosts().sort(), ['*.w.example', 'a.example']);
  assert.notEqual(store.contextFor('a.example'), store.defaultContext);
  assert.equal(store.contextFor('A.EXAMPLE'), store.contextFor('a.example'));
  assert.notEqual(store.contextFor('x.w.example'), store.defaultContext);
  assert.equal(store.contextFor('y.x.w.example'), store.defaultContext);
  assert.equal(store.contextFor('m.example'), store.defaultContext);
  assert.equal(store.contextFor(undefined), store.defaultContext);
  assert.equal(store.contextFor('unknown.example'), store.defaultContext);
  // The same state again: nothing new to report, the same contexts (not rebuilt).
  const before = store.contextFor('a.example');
  assert.deepEqual(
    store.update(table, (ns, name) => secrets.get(`${ns}/${name}`)),
    [],
  );
  assert.equal(store.contextFor('a.example'), before);
  // A new version of a Secret is rebuilt (hot reload); a fixed one stops falling back.
  secrets.set('ns/a-tls', secret('a-tls', a.cert, a.key, '2'));
  secrets.set('ns/mismatch', secret('mismatch', a.cert, a.key, '2'));
  const after = store.update(table, (ns, name) => secrets.get(`${ns}/${name}`));
  assert.notEqual(store.contextFor('a.example'), before);
  assert.equal(
    after.some((p) => p.tls.host === 'm.example'),
    true, // m.example is not in a.example's certificate: still not covered
  );
});

test('certificate names: exact, wildcard, and wildcard TLS hosts', async () => {
  const ca = await createCa('t');
  const cert = new X509Certificate((await issueCert(ca, { commonName: 'x', dnsNames: ['a.example', '*.w.example'], usage: 'server' })).cert);
  assert.equal(certCovers(cert, 'a.example'), true);
  assert.equal(certCovers(cert, 'b.example'), false);
  assert.equal(certCovers(cert, 'x.w.example'), true);
  assert.equal(certCovers(cert, '*.w.example'), true);
  assert.equal(certCovers(cert, '*.example'), false);
  assert.equal(contextOfSecret(undefined).problem, 'the Secret does not exist');
  assert.match(contextOfSecret({ data: {} }).problem ?? '', /no tls\.crt/);
});
