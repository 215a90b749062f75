// Table tests of the planner: the Kubernetes docs' NetworkPolicy examples (and their edge cases)
// against a small cluster, as the sets and rules each local pod gets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { cidrRange, mergeRanges, renderRange, subtractRanges } from './ipv4-ranges.js';
import { namespaceView, podView, policyView, type PodView } from './model.js';
import { plan, type Plan } from './plan.js';

const pod = (ns: string, name: string, ip: string | undefined, labels: Record<string, string>, node = 'n1', ports: { name: string; containerPort: number; protocol?: string }[] = []): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, uid: `uid-${ns}-${name}`, labels },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'x', ports }] },
  status: { phase: 'Running', ...(ip ? { podIP: ip } : {}) },
});
const ns = (name: string, labels: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const np = (namespace: string, name: string, spec: Record<string, unknown>): KObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });

const cluster = [
  pod('default', 'db', '10.1.0.2', { role: 'db' }, 'n1', [{ name: 'pg', containerPort: 5432 }]),
  pod('default', 'web', '10.1.0.3', { role: 'frontend' }, 'n1'),
  pod('default', 'remote-web', '10.2.0.3', { role: 'frontend' }, 'n2', [{ name: 'http', containerPort: 8080 }]),
  pod('myproject', 'client', '10.2.0.4', { role: 'frontend' }, 'n2', [{ name: 'http', containerPort: 9090 }]),
  pod('other', 'client', '10.2.0.5', { role: 'frontend' }, 'n2'),
  pod('default', 'pending', undefined, { role: 'db' }, 'n1'),
];
const namespaces = [ns('default'), ns('myproject', { project: 'myproject' }), ns('other')];

function planFor(policies: KObject[], pods = cluster): Plan {
  return plan({ nodeName: 'n1', pods: pods.map(podView).filter((p): p is PodView => !!p), namespaces: namespaces.map(namespaceView), policies: policies.map(policyView) });
}

/** A readable summary: per pod and direction, each rule as "policy[i] peers=<elements> ports=<...>". */
function summary(p: Plan): Record<string, string[] | undefined> {
  const out: Record<string, string[] | undefined> = {};
  for (const pp of p.pods) {
    for (const dir of ['ingress', 'egress'] as const) {
      const rules = pp[dir];
      if (!rules) continue;
      out[`${pp.pod} ${dir}`] = rules.map((r) => {
        const peers = r.peerSet ? ` peers=${p.addressSets.get(r.peerSet)!.join(',') || '(none)'}` : '';
        const ports = r.ports ? ` ports=${r.ports.map((m) => `${m.protocol}${m.from === undefined ? '' : `:${m.from}${m.to !== m.from ? `-${m.to}` : ''}`}`).join(',') || '(none)'}` : '';
        const named = r.namedSet ? ` named=${p.tupleSets.get(r.namedSet)!.join(',') || '(none)'}` : '';
        return `${r.policy}[${r.index}]${peers}${ports}${named}`;
      });
    }
  }
  return out;
}

test('ranges: CIDR minus excepts, merging, rendering', () => {
  assert.deepEqual(cidrRange('172.17.1.9/24'), cidrRange('172.17.1.0/24'));
  assert.equal(cidrRange('2001:db8::/32'), undefined);
  assert.equal(cidrRange('10.0.0.0/33'), undefined);
  assert.deepEqual(subtractRanges([cidrRange('172.17.0.0/16')!], [cidrRange('172.17.1.0/24')!]).map(renderRange), ['172.17.0.0-172.17.0.255', '172.17.2.0-172.17.255.255']);
  assert.deepEqual(mergeRanges([cidrRange('10.0.0.1/32')!, cidrRange('10.0.0.0/31')!, cidrRange('10.0.0.2/32')!]).map(renderRange), ['10.0.0.0-10.0.0.2']);
  assert.deepEqual(subtractRanges([cidrRange('10.0.0.0/24')!], [cidrRange('10.0.0.0/16')!]), []);
});

test('plans: the Kubernetes docs examples and edge cases', () => {
  const cases: [string, KObject[], Record<string, string[] | undefined>][] = [
    ['no policies: nothing isolated', [], {}],
    ['default deny ingress (policyTypes defaulted from the spec)', [np('default', 'default-deny-ingress', { podSelector: {} })], { 'default/db ingress': [], 'default/web ingress': [] }],
    ['default deny egress', [np('default', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], { 'default/db egress': [], 'default/web egress': [] }],
    ['allow all ingress', [np('default', 'allow-all-ingress', { podSelector: {}, ingress: [{}] })], { 'default/db ingress': ['default/allow-all-ingress[0]'], 'default/web ingress': ['default/allow-all-ingress[0]'] }],
    [
      'the docs test-network-policy: ipBlock with except, namespaceSelector, podSelector, a port; egress to a CIDR',
      [
        np('default', 'test-network-policy', {
          podSelector: { matchLabels: { role: 'db' } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 6379 }] }],
          egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
        }),
      ],
      {
        'default/db ingress': ['default/test-network-policy[0] peers=10.1.0.3,10.2.0.3-10.2.0.4,172.17.0.0-172.17.0.255,172.17.2.0-172.17.255.255 ports=TCP:6379'],
        'default/db egress': ['default/test-network-policy[0] peers=10.0.0.0-10.0.0.255 ports=TCP:5978'],
      },
    ],
    [
      'namespaceSelector AND podSelector in one peer: frontends of myproject only',
      [np('default', 'and', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } }, podSelector: { matchLabels: { role: 'frontend' } } }] }] })],
      { 'default/db ingress': ['default/and[0] peers=10.2.0.4'] },
    ],
    [
      'namespaceSelector by the automatic name label; a selector matching nothing is an empty set',
      [np('default', 'by-name', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] }, { from: [{ podSelector: { matchLabels: { role: 'nobody' } } }] }] })],
      { 'default/db ingress': ['default/by-name[0] peers=10.2.0.5', 'default/by-name[1] peers=(none)'] },
    ],
    [
      'endPort, UDP, SCTP and a protocol without port',
      [np('default', 'ports', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }, { protocol: 'UDP', port: 53 }, { protocol: 'SCTP', port: 9999 }, { protocol: 'UDP' }] }] })],
      { 'default/db ingress': ['default/ports[0] ports=TCP:32000-32768,UDP:53,SCTP:9999,UDP'] },
    ],
    ["ingress named port: the selected pod's own port; a pod without it gets a rule matching nothing", [np('default', 'named', { podSelector: {}, ingress: [{ ports: [{ port: 'pg' }] }] })], { 'default/db ingress': ['default/named[0] ports=TCP:5432'], 'default/web ingress': ['default/named[0] ports=(none)'] }],
    [
      "egress named port: each destination pod's own port",
      [np('default', 'egress-named', { podSelector: { matchLabels: { role: 'frontend' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'http' }, { port: 53, protocol: 'UDP' }] }] })],
      { 'default/web egress': ['default/egress-named[0] peers=10.1.0.2-10.1.0.3,10.2.0.3-10.2.0.5 ports=UDP:53 named=10.2.0.3 . tcp . 8080,10.2.0.4 . tcp . 9090'] },
    ],
    [
      "several policies: the union of their rules; another namespace's policy does not apply",
      [np('default', 'a', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: {} }] }] }), np('default', 'b', { podSelector: {}, policyTypes: ['Ingress'] }), np('other', 'c', { podSelector: {} })],
      { 'default/db ingress': ['default/a[0] peers=10.1.0.2-10.1.0.3,10.2.0.3'], 'default/web ingress': [] },
    ],
    ['an IPv6 ipBlock covers no IPv4 address', [np('default', 'v6', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/32' } }] }] })], { 'default/db ingress': ['default/v6[0] peers=(none)'] }],
  ];
  for (const [what, policies, want] of cases) assert.deepEqual(summary(planFor(policies)), want, what);
});

test('hostile and odd inputs: no throw, warnings, pods without IPs and finished pods left out', () => {
  const bad = [
    np('default', 'weird', { podSelector: { matchExpressions: [{ key: 'role', operator: 'Bogus' }] } }),
    np('default', 'bad-ports', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }, { port: 70000 }, { port: 80, endPort: 70 }] }] }),
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name: 'garbage' }, spec: { podSelector: 'x', ingress: 'y', egress: [null, 7] } } as KObject,
  ];
  const dup = pod('default', 'dup', '10.1.0.2', { role: 'x' }, 'n1');
  const done = { ...pod('default', 'done', '10.1.0.9', {}, 'n1'), status: { phase: 'Succeeded', podIP: '10.1.0.9' } };
  const p = planFor(bad, [...cluster, dup, done]);
  const s = summary(p);
  // garbage: a podSelector that is no object selects all (as {}); ingress that is no list has no rules (deny);
  // null and 7 as egress rules read as {} (allow all). The API refuses all of these; nothing throws.
  assert.deepEqual(s['default/db ingress'], ['default/bad-ports[0] ports=TCP:80']);
  assert.deepEqual(s['default/db egress'], ['default/garbage[0]', 'default/garbage[1]']);
  assert.ok(!p.pods.some((x) => x.pod === 'default/done' || x.pod === 'default/pending' || x.pod === 'default/dup'));
  assert.ok(p.warnings.some((w) => w.includes('share the IP 10.1.0.2')));
  assert.ok(p.warnings.some((w) => w.includes('bad-ports') && w.includes('invalid port')));
});

test('a reused IP: the newer of two pods showing it holds it', () => {
  const at = (o: KObject, ts: string): KObject => ({ ...o, metadata: { ...o.metadata, creationTimestamp: ts } });
  const old = at(pod('default', 'old', '10.1.0.7', { role: 'db' }, 'n1'), '2026-01-01T00:00:00Z');
  const fresh = at(pod('default', 'fresh', '10.1.0.7', { role: 'web' }, 'n1'), '2026-01-01T00:05:00Z');
  const deny = [np('default', 'deny-db', { podSelector: { matchLabels: { role: 'db' } } })];
  for (const order of [
    [old, fresh],
    [fresh, old],
  ]) {
    const p = planFor(deny, order);
    assert.deepEqual(summary(p), {}, 'the newer pod (not selected) holds the IP, in either list order');
    assert.ok(p.warnings.some((w) => w.includes('default/fresh (the newer) is used')));
  }
});
