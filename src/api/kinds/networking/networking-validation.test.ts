// networking.k8s.io/v1 validation and defaults, as Kubernetes': tables of good and bad Ingresses,
// IngressClasses and NetworkPolicies with the field paths (and reasons) Kubernetes reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDef, KObject } from '../../kind.js';
import { columnsOf } from '../../table.js';
import { admit } from '../workloads/testing.js';
import { containsNetwork, parseCidr } from './cidr.js';
import { formatHosts, ingress } from './ingress.js';
import { ingressClass } from './ingressclass.js';
import { networkPolicy } from './networkpolicy.js';

const paths = (def: KindDef, obj: KObject, old?: KObject) => admit(def, obj, old && admit(def, old).obj).errors.map((e) => `${e.field} ${e.reason}`);

const backend = (port: Record<string, unknown> = { number: 80 }, name = 'web') => ({ service: { name, port } });
const rule = (path: Record<string, unknown>, host?: string) => ({ ...(host !== undefined ? { host } : {}), http: { paths: [{ backend: backend(), ...path }] } });
const ing = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', ...meta }, spec });

test('Ingress: paths per pathType', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['Prefix /', { path: '/', pathType: 'Prefix' }, []],
    ['Exact /foo/bar', { path: '/foo/bar', pathType: 'Exact' }, []],
    ['ImplementationSpecific without path', { pathType: 'ImplementationSpecific' }, []],
    ['ImplementationSpecific regex', { path: '/api/(.*)', pathType: 'ImplementationSpecific' }, []],
    ['no pathType', { path: '/' }, ['spec.rules[0].http.paths[0].pathType FieldValueRequired']],
    ['unknown pathType', { path: '/', pathType: 'Regex' }, ['spec.rules[0].http.paths[0].pathType FieldValueNotSupported']],
    ['Prefix relative', { path: 'foo', pathType: 'Prefix' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['Prefix without path', { pathType: 'Prefix' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['Exact with //', { path: '/a//b', pathType: 'Exact' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['Prefix with /../', { path: '/a/../b', pathType: 'Prefix' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['Prefix with %2f', { path: '/a%2fb', pathType: 'Prefix' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['Prefix ending /.', { path: '/a/.', pathType: 'Prefix' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['Exact ending /..', { path: '/a/..', pathType: 'Exact' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
    ['ImplementationSpecific relative', { path: 'api', pathType: 'ImplementationSpecific' }, ['spec.rules[0].http.paths[0].path FieldValueInvalid']],
  ];
  for (const [what, path, want] of cases) assert.deepEqual(paths(ingress, ing({ rules: [rule(path)] })), want, what);
});

test('Ingress: backends, hosts, TLS, class', () => {
  const p = 'spec.rules[0].http.paths[0].backend';
  const withBackend = (b: unknown) => ing({ rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: b }] } }] });
  const cases: [string, KObject, string[]][] = [
    ['port by name', withBackend(backend({ name: 'http' })), []],
    ['resource backend', withBackend({ resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' } }), []],
    ['default backend only', ing({ defaultBackend: backend() }), []],
    ['nothing', ing({}), ['spec FieldValueInvalid']],
    ['no backend', withBackend(undefined), [`${p} FieldValueInvalid`]],
    ['both backends', withBackend({ ...backend(), resource: { kind: 'Bucket', name: 'b' } }), [`${p} FieldValueInvalid`]],
    ['no port', withBackend({ service: { name: 'web' } }), [`${p} FieldValueRequired`]],
    ['port name and number', withBackend(backend({ name: 'http', number: 80 })), [`${p} FieldValueInvalid`]],
    ['port out of range', withBackend(backend({ number: 70000 })), [`${p}.service.port.number FieldValueInvalid`]],
    ['bad port name', withBackend(backend({ name: 'http_port' })), [`${p}.service.port.name FieldValueInvalid`]],
    ['service name not a DNS-1035 label', withBackend(backend({ number: 80 }, '1web')), [`${p}.service.name FieldValueInvalid`]],
    ['empty service name', withBackend(backend({ number: 80 }, '')), [`${p}.service.name FieldValueRequired`]],
    ['resource with slash', withBackend({ resource: { kind: 'Bucket', name: 'a/b' } }), [`${p}.resource.name FieldValueInvalid`]],
    ['wildcard host', ing({ rules: [rule({ path: '/', pathType: 'Prefix' }, '*.foo.com')] }), []],
    ['IP host', ing({ rules: [rule({ path: '/', pathType: 'Prefix' }, '1.2.3.4')] }), ['spec.rules[0].host FieldValueInvalid']],
    ['bad host', ing({ rules: [rule({ path: '/', pathType: 'Prefix' }, 'Foo.com')] }), ['spec.rules[0].host FieldValueInvalid']],
    ['bad wildcard', ing({ rules: [rule({ path: '/', pathType: 'Prefix' }, 'foo.*.com')] }), ['spec.rules[0].host FieldValueInvalid']],
    ['rule without paths', ing({ rules: [{ host: 'a.com', http: { paths: [] } }] }), ['spec.rules[0].http.paths FieldValueRequired']],
    ['rule without http', ing({ rules: [{ host: 'a.com' }] }), []],
    ['tls', ing({ defaultBackend: backend(), tls: [{ hosts: ['https-example.foo.com', '*.foo.com'], secretName: 'testsecret-tls' }] }), []],
    ['tls bad host', ing({ defaultBackend: backend(), tls: [{ hosts: ['bad_host'] }] }), ['spec.tls[0].hosts[0] FieldValueInvalid']],
    ['tls bad secret', ing({ defaultBackend: backend(), tls: [{ secretName: 'Bad_Secret' }] }), ['spec.tls[0].secretName FieldValueInvalid']],
    ['bad class', ing({ defaultBackend: backend(), ingressClassName: 'Bad' }), ['spec.ingressClassName FieldValueInvalid']],
    ['annotation and class differ', ing({ defaultBackend: backend(), ingressClassName: 'nginx' }, { annotations: { 'kubernetes.io/ingress.class': 'traefik' } }), ['annotations.kubernetes.io/ingress.class FieldValueInvalid']],
    ['annotation and class agree', ing({ defaultBackend: backend(), ingressClassName: 'nginx' }, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }), []],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(ingress, o), want, what);
  // A client's status is dropped on create: status is validated on update (the status subresource).
  const withStatus = { ...ing({ defaultBackend: backend() }), status: { loadBalancer: { ingress: [{ hostname: '10.0.0.1' }] } } };
  assert.deepEqual(paths(ingress, withStatus, ing({ defaultBackend: backend() })), ['status.loadBalancer.ingress[0].hostname FieldValueInvalid'], 'status with a hostname IP');
  const msg = admit(ingress, ing({})).errors[0].message;
  assert.equal(msg, 'Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified');
  // A secret name already invalid may stay on update; a new invalid one may not.
  const badTLS = ing({ defaultBackend: backend(), tls: [{ secretName: 'Bad_Secret' }] });
  assert.deepEqual(paths(ingress, badTLS, badTLS), []);
});

test('Ingress: printer columns', () => {
  const cols = columnsOf(ingress);
  assert.deepEqual(
    cols.map((c) => c.name),
    ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
  );
  const o = { ...ing({ ingressClassName: 'gifee', rules: [rule({ path: '/', pathType: 'Prefix' }, 'shop.example')], tls: [{ hosts: ['shop.example'] }] }), status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { ip: '10.0.0.1' }] } } };
  assert.deepEqual(
    cols.slice(1, 5).map((c) => c.cell?.(o)),
    ['gifee', 'shop.example', '10.0.0.1,10.0.0.2', '80, 443'],
  );
  assert.deepEqual(
    cols.slice(1, 5).map((c) => c.cell?.(ing({ defaultBackend: backend() }))),
    ['<none>', '*', '', '80'],
  );
  assert.equal(formatHosts(['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: h }))), 'a,b,c + 2 more...');
});

const icl = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec });

test('IngressClass: controller, parameters, defaults, immutable controller', () => {
  const cases: [string, KObject, string[]][] = [
    ['good', icl({ controller: 'k8s.io/ingress-nginx' }), []],
    ['cluster parameters', icl({ controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } }), []],
    ['namespace parameters', icl({ controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Namespace', namespace: 'external-configuration' } }), []],
    ['no controller', icl({}), ['spec.controller FieldValueRequired']],
    ['controller without a domain', icl({ controller: 'nginx' }), ['spec.controller FieldValueInvalid']],
    ['controller with a bad domain', icl({ controller: 'Bad_Domain/x' }), ['spec.controller FieldValueInvalid']],
    ['controller too long', icl({ controller: `example.com/${'x'.repeat(250)}` }), ['spec.controller FieldValueTooLong']],
    ['namespace scope without namespace', icl({ controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } }), ['spec.parameters.namespace FieldValueRequired']],
    ['cluster scope with namespace', icl({ controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Cluster', namespace: 'x' } }), ['spec.parameters.namespace FieldValueForbidden']],
    ['unknown scope', icl({ controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'World' } }), ['spec.parameters.scope FieldValueNotSupported']],
    ['parameters without kind', icl({ controller: 'a.io/b', parameters: { name: 'n' } }), ['spec.parameters.kind FieldValueRequired']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(ingressClass, o), want, what);
  assert.equal((admit(ingressClass, icl({ controller: 'a.io/b', parameters: { kind: 'K', name: 'n' } })).obj.spec as { parameters: { scope: string } }).parameters.scope, 'Cluster');
  assert.deepEqual(paths(ingressClass, icl({ controller: 'a.io/c' }), icl({ controller: 'a.io/b' })), ['spec.controller FieldValueInvalid']);
  const cols = columnsOf(ingressClass);
  assert.deepEqual(
    cols.slice(1, 3).map((c) => c.cell?.(icl({ controller: 'a.io/b', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'lb' } }))),
    ['a.io/b', 'IngressParameters.k8s.example.com/lb'],
  );
});

const np = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'test-network-policy' }, spec: { podSelector: {}, ...spec } });
const from = (peer: unknown, ports?: unknown[]) => ({ ingress: [{ from: [peer], ...(ports ? { ports } : {}) }] });

test('NetworkPolicy: ports, endPort, peers, ipBlock, policyTypes', () => {
  const p = 'spec.ingress[0]';
  const cases: [string, KObject, string[]][] = [
    ['default deny', np({ policyTypes: ['Ingress'] }), []],
    [
      'the docs example',
      np({
        podSelector: { matchLabels: { role: 'db' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 6379 }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
      }),
      [],
    ],
    ['endPort range', np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] }), []],
    ['named port', np(from({ podSelector: {} }, [{ port: 'http' }])), []],
    ['IPv6 block', np(from({ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } })), []],
    ['namespace and pod selector together', np(from({ namespaceSelector: {}, podSelector: { matchLabels: { a: 'b' } } })), []],
    ['endPort below port', np(from({ podSelector: {} }, [{ port: 80, endPort: 79 }])), [`${p}.ports[0].endPort FieldValueInvalid`]],
    ['endPort with a named port', np(from({ podSelector: {} }, [{ port: 'http', endPort: 90 }])), [`${p}.ports[0].endPort FieldValueInvalid`]],
    ['endPort without port', np(from({ podSelector: {} }, [{ endPort: 90 }])), [`${p}.ports[0].endPort FieldValueInvalid`]],
    ['port zero', np(from({ podSelector: {} }, [{ port: 0 }])), [`${p}.ports[0].port FieldValueInvalid`]],
    ['endPort out of range', np(from({ podSelector: {} }, [{ port: 80, endPort: 70000 }])), [`${p}.ports[0].endPort FieldValueInvalid`]],
    ['bad protocol', np(from({ podSelector: {} }, [{ protocol: 'ICMP', port: 80 }])), [`${p}.ports[0].protocol FieldValueNotSupported`]],
    ['bad port name', np(from({ podSelector: {} }, [{ port: 'Not_Valid' }])), [`${p}.ports[0].port FieldValueInvalid`]],
    ['empty peer', np(from({})), [`${p}.from[0] FieldValueRequired`]],
    ['ipBlock and a selector', np(from({ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} })), [`${p}.from[0] FieldValueForbidden`]],
    ['no cidr', np(from({ ipBlock: { except: ['10.0.0.0/8'] } })), [`${p}.from[0].ipBlock.cidr FieldValueRequired`]],
    ['bad cidr', np(from({ ipBlock: { cidr: '10.0.0.0/33' } })), [`${p}.from[0].ipBlock.cidr FieldValueInvalid`]],
    ['bare IP', np(from({ ipBlock: { cidr: '10.0.0.1' } })), [`${p}.from[0].ipBlock.cidr FieldValueInvalid`]],
    ['except outside', np(from({ ipBlock: { cidr: '172.17.0.0/16', except: ['172.18.1.0/24'] } })), [`${p}.from[0].ipBlock.except[0] FieldValueInvalid`]],
    ['except as wide', np(from({ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.0.0/16'] } })), [`${p}.from[0].ipBlock.except[0] FieldValueInvalid`]],
    ['except not a CIDR', np(from({ ipBlock: { cidr: '172.17.0.0/16', except: ['nope'] } })), [`${p}.from[0].ipBlock.except[0] FieldValueInvalid`]],
    ['bad selector', np({ podSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }), ['spec.podSelector.matchExpressions[0].values FieldValueForbidden']],
    ['bad policy type', np({ policyTypes: ['Both'] }), ['spec.policyTypes[0] FieldValueNotSupported']],
    ['three policy types', np({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }), ['spec.policyTypes FieldValueInvalid']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(networkPolicy, o), want, what);
  // A CIDR the policy already had may stay on update even if no longer accepted.
  const old = np(from({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }));
  assert.deepEqual(paths(networkPolicy, np(from({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } })), old), []);
});

test('NetworkPolicy: defaults and columns', () => {
  const spec = (o: KObject) => admit(networkPolicy, o).obj.spec as { policyTypes: string[]; ingress?: { ports: { protocol: string }[] }[] };
  assert.deepEqual(spec(np({})).policyTypes, ['Ingress']);
  assert.deepEqual(spec(np({ egress: [{}] })).policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(spec(np({ policyTypes: ['Egress'] })).policyTypes, ['Egress']);
  assert.equal(spec(np(from({ podSelector: {} }, [{ port: 80 }]))).ingress?.[0].ports[0].protocol, 'TCP');
  const cols = columnsOf(networkPolicy);
  assert.deepEqual(
    cols.map((c) => c.name),
    ['Name', 'Pod-Selector', 'Age'],
  );
  assert.equal(cols[1].cell?.(np({})), '<none>');
  assert.equal(cols[1].cell?.(np({ podSelector: { matchLabels: { role: 'db' } } })), 'role=db');
});

test('CIDRs parse as Go parses them', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { family: 4, network: 10n << 24n, prefix: 8 });
  assert.equal(parseCidr('010.001.0.0/16')?.prefix, 16, 'leading zeros, as the sloppy parser');
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '::/129', 'a/b', '10.0.0.0/8/8', '']) assert.equal(parseCidr(bad), undefined, bad);
  assert.ok(containsNetwork(parseCidr('2001:db8::/32')!, parseCidr('2001:db8:ffff::/48')!));
  assert.ok(!containsNetwork(parseCidr('2001:db8::/32')!, parseCidr('2001:db9::/48')!));
  assert.ok(!containsNetwork(parseCidr('10.0.0.0/8')!, parseCidr('::/0')!));
  assert.equal(parseCidr('::ffff:10.0.0.0/104')?.family, 6);
});
