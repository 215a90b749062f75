import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLASS_NAME, compileRoutes, CONTROLLER_NAME, hostOfHeader, isOurs, lookupRoute, tlsFor } from './routing.js';

const gifee = { metadata: { name: CLASS_NAME, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: CONTROLLER_NAME } };
const other = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };

type P = { path?: string; pathType?: string; svc: string };
function ing(name: string, created: string, rules: { host?: string; paths: P[] }[], extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}) {
  return {
    metadata: { name, namespace: 'ns', creationTimestamp: created, annotations },
    spec: {
      ingressClassName: CLASS_NAME,
      rules: rules.map((r) => ({ host: r.host, http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: p.svc, port: { number: 80 } } } })) } })),
      ...extra,
    },
  };
}
const svcOf = (t: ReturnType<typeof compileRoutes>, host: string, path: string) => lookupRoute(t, host, path)?.backend.service;

test('class: ours by name, by legacy annotation, by default; not another controller', () => {
  assert.equal(isOurs({ spec: { ingressClassName: 'gifee' } }, [gifee, other]), true);
  assert.equal(isOurs({ spec: { ingressClassName: 'nginx' } }, [gifee, other]), false);
  assert.equal(isOurs({ spec: { ingressClassName: 'missing' } }, [gifee, other]), false);
  assert.equal(isOurs({ metadata: { annotations: { 'kubernetes.io/ingress.class': 'gifee' } } }, [gifee]), true);
  assert.equal(isOurs({ spec: {} }, [gifee, other]), true);
  assert.equal(isOurs({ spec: {} }, [{ ...gifee, metadata: { name: 'gifee' } }]), false);
});

test('path types and precedence (table)', () => {
  const t = compileRoutes(
    [
      ing('a', '2024-01-01T00:00:00Z', [
        {
          host: 'shop.example',
          paths: [
            { path: '/', svc: 'root' },
            { path: '/app', svc: 'app' },
            { path: '/app/admin/', svc: 'admin' },
            { path: '/app', pathType: 'Exact', svc: 'app-exact' },
            { path: '/img', pathType: 'ImplementationSpecific', svc: 'img' },
          ],
        },
      ]),
    ],
    [gifee],
  );
  const cases: [string, string, string | undefined][] = [
    ['shop.example', '/', 'root'],
    ['shop.example', '/anything', 'root'],
    ['shop.example', '/app', 'app-exact'],
    ['shop.example', '/app/', 'app'],
    ['shop.example', '/app/x', 'app'],
    ['shop.example', '/apps', 'root'], // Prefix matches whole elements
    ['shop.example', '/app/admin', 'admin'], // trailing slash of a Prefix path means nothing more
    ['shop.example', '/app/admin/users', 'admin'],
    ['shop.example', '/img', 'img'],
    ['shop.example', '/imgs/a.png', 'img'], // ImplementationSpecific: string prefix, as nginx
    ['SHOP.example', '/app/x', 'app'],
    ['other.example', '/', undefined],
  ];
  for (const [host, path, want] of cases) assert.equal(svcOf(t, host, path), want, `${host}${path}`);
});

test('hosts: exact before wildcard; a wildcard covers one label; host-less rules', () => {
  const t = compileRoutes([ing('w', '2024-01-01T00:00:00Z', [{ host: '*.shop.example', paths: [{ path: '/', svc: 'wild' }] }]), ing('e', '2024-01-02T00:00:00Z', [{ host: 'www.shop.example', paths: [{ path: '/', svc: 'www' }] }]), ing('any', '2024-01-03T00:00:00Z', [{ paths: [{ path: '/', svc: 'any' }] }])], [gifee]);
  assert.equal(svcOf(t, 'www.shop.example', '/'), 'www');
  assert.equal(svcOf(t, 'api.shop.example', '/'), 'wild');
  assert.equal(svcOf(t, 'a.b.shop.example', '/'), 'any');
  assert.equal(svcOf(t, 'shop.example', '/'), 'any');
  assert.equal(svcOf(t, 'unknown', '/x'), 'any');
});

test('overlaps: the oldest Ingress wins the same host and path, whatever the list order', () => {
  const young = ing('young', '2024-02-01T00:00:00Z', [
    {
      host: 'h',
      paths: [
        { path: '/a', svc: 'young' },
        { path: '/y', svc: 'young-only' },
      ],
    },
  ]);
  const old = ing('old', '2024-01-01T00:00:00Z', [{ host: 'h', paths: [{ path: '/a', svc: 'old' }] }]);
  for (const list of [
    [young, old],
    [old, young],
  ]) {
    const t = compileRoutes(list, [gifee]);
    assert.equal(svcOf(t, 'h', '/a/b'), 'old');
    assert.equal(svcOf(t, 'h', '/y'), 'young-only');
  }
  // Same age: namespace/name decides.
  const t = compileRoutes([ing('b', 'x', [{ host: 'h', paths: [{ path: '/', svc: 'b' }] }]), ing('a', 'x', [{ host: 'h', paths: [{ path: '/', svc: 'a' }] }])], [gifee]);
  assert.equal(svcOf(t, 'h', '/'), 'a');
});

test('default backends: the host Ingress, then the catch-all; other classes ignored', () => {
  const def = (svc: string) => ({ defaultBackend: { service: { name: svc, port: { number: 80 } } } });
  const t = compileRoutes(
    [
      ing('catch', '2024-01-01T00:00:00Z', [], def('catch-all')),
      ing('host', '2024-01-02T00:00:00Z', [{ host: 'h', paths: [{ path: '/api', svc: 'api' }] }], def('host-default')),
      ing('plain', '2024-01-03T00:00:00Z', [{ host: 'p', paths: [{ path: '/api', svc: 'papi' }] }]),
      { ...ing('foreign', '2023-01-01T00:00:00Z', [{ host: 'f', paths: [{ path: '/', svc: 'foreign' }] }], def('foreign-default')), spec: { ingressClassName: 'nginx', defaultBackend: def('x').defaultBackend } },
    ],
    [gifee, other],
  );
  assert.equal(svcOf(t, 'h', '/api/v1'), 'api');
  assert.equal(svcOf(t, 'h', '/other'), 'host-default');
  assert.equal(svcOf(t, 'p', '/other'), 'catch-all');
  assert.equal(svcOf(t, 'nowhere', '/'), 'catch-all');
  assert.equal(svcOf(t, 'f', '/'), 'catch-all');
  assert.deepEqual([...t.services].sort(), ['ns/api', 'ns/catch-all', 'ns/host-default', 'ns/papi']);
});

test('TLS hosts and ssl-redirect', () => {
  const t = compileRoutes(
    [
      ing('a', '2024-01-01T00:00:00Z', [{ host: 'a.example', paths: [{ path: '/', svc: 'a' }] }], { tls: [{ hosts: ['a.example'], secretName: 'a-tls' }] }),
      ing('b', '2024-01-02T00:00:00Z', [{ host: 'b.example', paths: [{ path: '/', svc: 'b' }] }], { tls: [{ secretName: 'b-tls' }] }, { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }),
      ing('w', '2024-01-03T00:00:00Z', [{ host: '*.w.example', paths: [{ path: '/', svc: 'w' }] }], { tls: [{ hosts: ['*.w.example'], secretName: 'w-tls' }] }),
      ing('late', '2024-01-04T00:00:00Z', [], { tls: [{ hosts: ['a.example'], secretName: 'late-tls' }] }),
      ing('plain', '2024-01-05T00:00:00Z', [{ host: 'plain.example', paths: [{ path: '/', svc: 'p' }] }]),
    ],
    [gifee],
  );
  assert.equal(tlsFor(t, 'a.example')?.secret, 'a-tls');
  assert.equal(tlsFor(t, 'b.example')?.secret, 'b-tls');
  assert.equal(tlsFor(t, 'x.w.example')?.secret, 'w-tls');
  assert.equal(tlsFor(t, 'y.x.w.example'), undefined);
  assert.equal(tlsFor(t, 'plain.example'), undefined);
  assert.equal(lookupRoute(t, 'a.example', '/')?.sslRedirect, true);
  assert.equal(lookupRoute(t, 'b.example', '/')?.sslRedirect, false);
  assert.equal(lookupRoute(t, 'x.w.example', '/')?.sslRedirect, true);
  assert.equal(lookupRoute(t, 'plain.example', '/')?.sslRedirect, false);
});

test('hostile Host headers', () => {
  assert.equal(hostOfHeader('Shop.Example:8080'), 'shop.example');
  assert.equal(hostOfHeader('shop.example.'), 'shop.example');
  assert.equal(hostOfHeader('[::1]:80'), '[::1]');
  assert.equal(hostOfHeader('a b'), undefined);
  assert.equal(hostOfHeader('x'.repeat(300)), undefined);
  assert.equal(hostOfHeader(undefined), undefined);
  // Nothing compiled: every lookup misses without throwing.
  assert.equal(lookupRoute(compileRoutes([], []), 'h', '/'), undefined);
  // Broken objects compile to nothing.
  assert.doesNotThrow(() => compileRoutes([{}, { spec: { ingressClassName: 'gifee', rules: [{ http: { paths: [{ backend: {} }] } }] } } as never], [gifee]));
});
