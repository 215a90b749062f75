// The rule model of external addresses and traffic policies: LoadBalancer ingress IPs and
// externalIPs beside the cluster IP, externalTrafficPolicy Local (no masquerade, this node's
// endpoints, drop when none), internalTrafficPolicy Local, and duplicate claims on one address.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildServicePorts } from '../model.js';
import { endpointSlice, service } from '../testing.js';
import { renderRuleset } from './rules.js';
import { buildTransaction } from './transaction.js';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0 && process.platform === 'linux';
const lbStatus = (...ips: string[]) => ({ loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } });
const eps = [
  { ip: '10.42.1.5', nodeName: 'n1' },
  { ip: '10.42.2.5', nodeName: 'n2' },
];

function ports(spec: Record<string, unknown>, status?: object, node = 'n1') {
  const svc = { ...service('web', '10.43.0.10', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }], ...spec }), ...(status ? { status } : {}) };
  return buildServicePorts([svc], [endpointSlice('web', eps)], node);
}
const chainOf = (rs: ReturnType<typeof renderRuleset>, prefix: string) => [...rs.chains].find(([n]) => n.startsWith(`${prefix}-`) && n.endsWith('default/web/http/tcp'))?.[1].rules;

test('the model: external addresses, policies, local endpoints and the health check port', () => {
  const cases: { spec: Record<string, unknown>; status?: object; want: object }[] = [
    { spec: {}, status: lbStatus('10.250.0.200'), want: { externalIPs: ['10.250.0.200'], externalLocal: false, internalLocal: false, healthCheckNodePort: undefined } },
    { spec: { externalIPs: ['192.0.2.7', 'bogus', '192.0.2.7', '127.0.0.1'] }, status: lbStatus('10.250.0.200', 'x', '127.0.0.1'), want: { externalIPs: ['192.0.2.7', '10.250.0.200'], externalLocal: false, internalLocal: false, healthCheckNodePort: undefined } },
    { spec: { externalTrafficPolicy: 'Local', healthCheckNodePort: 30999 }, want: { externalIPs: [], externalLocal: true, internalLocal: false, healthCheckNodePort: 30999 } },
    // A ClusterIP Service with externalIPs is external too; the health check is a LoadBalancer's only.
    { spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80 }], externalIPs: ['192.0.2.8'], externalTrafficPolicy: 'Local', healthCheckNodePort: 30999 }, want: { externalIPs: ['192.0.2.8'], externalLocal: true, internalLocal: false, healthCheckNodePort: undefined } },
    // A ClusterIP Service's status is no load balancer's.
    { spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80 }], internalTrafficPolicy: 'Local' }, status: lbStatus('10.250.0.200'), want: { externalIPs: [], externalLocal: false, internalLocal: true, healthCheckNodePort: undefined } },
  ];
  for (const c of cases) {
    const [sp] = ports(c.spec, c.status);
    assert.deepEqual({ externalIPs: sp.externalIPs, externalLocal: sp.externalLocal, internalLocal: sp.internalLocal, healthCheckNodePort: sp.healthCheckNodePort }, c.want, JSON.stringify(c.spec));
    assert.deepEqual(
      sp.localEndpoints.map((e) => e.ip),
      ['10.42.1.5'],
    );
  }
  const many = ports({ externalIPs: Array.from({ length: 500 }, (_, i) => `192.0.${i >> 8}.${i & 255}`) });
  assert.equal(many[0].externalIPs.length, 64, 'a hostile list is capped');
});

test('policy Cluster: load balancer and external IPs go through the masquerading external chain', () => {
  const rs = renderRuleset(ports({ externalIPs: ['192.0.2.7'] }, lbStatus('10.250.0.200')), { nodePortIPs: ['10.250.0.2'], clusterCIDR: '10.42.0.0/16' });
  const els = rs.sets.get('service-ips')!.elements;
  const ext = els.find((e) => e.startsWith('10.250.0.200 . tcp . 80 : goto external-'))!;
  assert.ok(ext, els.join('\n'));
  assert.ok(els.some((e) => e.startsWith('192.0.2.7 . tcp . 80 : goto external-')));
  assert.deepEqual(chainOf(rs, 'external'), ['jump mark-for-masquerade', `goto service-${ext.split('goto external-')[1]}`]);
  assert.match(chainOf(rs, 'service')!.at(-1)!, /numgen random mod 2 /);
});

test('externalTrafficPolicy Local: outside clients keep their IP and reach only local endpoints; the node and its pods use all', () => {
  const rs = renderRuleset(ports({ externalTrafficPolicy: 'Local' }, lbStatus('10.250.0.200')), { nodePortIPs: ['10.250.0.2'], clusterCIDR: '10.42.0.0/16' });
  const ext = chainOf(rs, 'external')!;
  assert.equal(ext[0], 'fib saddr type local jump mark-for-masquerade');
  assert.match(ext[1], /^fib saddr type local goto service-/);
  assert.match(ext[2], /^ip saddr 10\.42\.0\.0\/16 goto service-/);
  assert.match(ext[3], /^goto local-/);
  assert.ok(!ext.includes('jump mark-for-masquerade'), 'outside traffic is not masqueraded');
  assert.deepEqual(chainOf(rs, 'local')!.length, 1);
  assert.match(chainOf(rs, 'local')![0], /^numgen random mod 1 vmap \{ 0 : goto endpoint-\w+-default\/web\/http\/tcp__10\.42\.1\.5\/8080 \}$/);
  // On a node without endpoints of its own: outside traffic is dropped, not sent elsewhere.
  const other = renderRuleset(ports({ externalTrafficPolicy: 'Local' }, undefined, 'n3'), { nodePortIPs: [] });
  assert.deepEqual(chainOf(other, 'local'), ['drop comment "no local endpoints"']);
  assert.match(chainOf(other, 'service')!.at(-1)!, /numgen random mod 2 /, 'cluster IP traffic still reaches every endpoint');
});

test('internalTrafficPolicy Local: the cluster IP reaches this node’s endpoints, or drops', () => {
  const here = renderRuleset(ports({ type: 'ClusterIP', ports: [{ name: 'http', port: 80 }], internalTrafficPolicy: 'Local' }), { nodePortIPs: [] });
  assert.match(chainOf(here, 'service')!.at(-1)!, /^numgen random mod 1 vmap \{ 0 : goto endpoint-\w+-default\/web\/http\/tcp__10\.42\.1\.5\/8080 \}$/);
  const elsewhere = renderRuleset(ports({ type: 'ClusterIP', ports: [{ name: 'http', port: 80 }], internalTrafficPolicy: 'Local' }, undefined, 'n3'), { nodePortIPs: [] });
  assert.equal(chainOf(elsewhere, 'service')!.at(-1), 'drop comment "no local endpoints"');
});

test('two Services claiming one external address and port: the first (by id) gets it, no duplicate element', () => {
  const a = service('a', '10.43.0.10', { externalIPs: ['192.0.2.7'] });
  const b = service('b', '10.43.0.11', { externalIPs: ['192.0.2.7', '10.43.0.10'] });
  const rs = renderRuleset(buildServicePorts([a, b], [endpointSlice('a', ['10.42.0.5']), endpointSlice('b', ['10.42.0.6'])]), { nodePortIPs: [] });
  const keys = rs.sets.get('service-ips')!.elements.map((e) => e.split(' : ')[0]);
  assert.equal(new Set(keys).size, keys.length, keys.join('\n'));
  assert.ok(rs.sets.get('service-ips')!.elements.some((e) => e.startsWith('192.0.2.7 . tcp . 80 : goto external-') && e.endsWith('default/a/http/tcp')));
  // An external IP equal to another Service's cluster IP does not take that cluster IP.
  assert.ok(rs.sets.get('service-ips')!.elements.some((e) => e.startsWith('10.43.0.10 . tcp . 80 : goto service-') && e.endsWith('default/a/http/tcp')));
});

test('a Service without endpoints is refused on its external addresses too', () => {
  const svc = { ...service('web', '10.43.0.10', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), status: lbStatus('10.250.0.200') };
  const rs = renderRuleset(buildServicePorts([svc], []), { nodePortIPs: [] });
  assert.deepEqual(rs.sets.get('no-endpoint-services')!.elements, ['10.43.0.10 . tcp . 80 : goto reject-chain', '10.250.0.200 . tcp . 80 : goto reject-chain']);
});

test('the policy rules are valid nft', { skip: asRoot ? false : 'needs root for nft' }, async () => {
  // Applied in a throwaway network namespace (unshare --net), never the machine's: the ruleset
  // captures its external addresses, which must not touch other tests' or the host's traffic.
  const local = ports({ externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', externalIPs: ['192.0.2.7'] }, lbStatus('10.250.0.200'), 'n3');
  const table = 'gifee-unit-tp';
  const script = buildTransaction(table, renderRuleset(local, { nodePortIPs: ['127.0.0.1'], clusterCIDR: '10.42.0.0/16' })).script;
  const dir = await mkdtemp(join(tmpdir(), 'gifee-tp-'));
  let stdout: string;
  try {
    await writeFile(join(dir, 'rules.nft'), script);
    ({ stdout } = await run('unshare', ['--net', 'sh', '-c', 'nft -f "$1" && nft list table ip "$2"', 'sh', join(dir, 'rules.nft'), table], { maxBuffer: 16 * 1024 * 1024 }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.match(stdout, /10\.250\.0\.200 \. tcp \. 80 : goto external-/);
  assert.match(stdout, /drop comment "no local endpoints"/);
});
