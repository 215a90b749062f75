import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServicePorts } from '../model.js';
import { endpointSlice, service } from '../testing.js';
import { deleteTable, nft, nftApply } from './nft.js';
import { renderRuleset } from './rules.js';
import { buildTransaction } from './transaction.js';

const asRoot = process.getuid?.() === 0 && process.platform === 'linux';

const cluster = () =>
  buildServicePorts(
    [
      service('web', '10.43.0.10', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
      service('sticky', '10.43.0.11', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
      service('empty', '10.43.0.12', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30082 }] }),
      service('dns', '10.43.0.13', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      service('headless', 'None'),
    ],
    [endpointSlice('web', ['10.42.0.5', '10.42.0.6']), endpointSlice('sticky', ['10.42.0.7']), endpointSlice('dns', ['10.42.0.8'], { portName: 'dns', port: 5353 })].map((s) => (s.metadata!.name === 'dns-abcde' ? { ...s, ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] } : s)),
  );

const chainRules = (rs: ReturnType<typeof renderRuleset>, prefix: string) => [...rs.chains].filter(([n]) => new RegExp(`^${prefix}[0-9A-F]{8}-`).test(n)).map(([, c]) => c.rules);

test('services with endpoints are load-balanced at random over per-endpoint DNAT chains', () => {
  const rs = renderRuleset(cluster(), { nodePortIPs: ['192.0.2.10'], clusterCIDR: '10.42.0.0/16' });
  const web = [...rs.chains].find(([n]) => n.startsWith('service-') && n.endsWith('default/web/http/tcp'))!;
  assert.ok(web, [...rs.chains.keys()].join('\n'));
  assert.deepEqual(web[1].rules.slice(0, 2), ['fib saddr type local jump mark-for-masquerade', 'ip saddr != 10.42.0.0/16 jump mark-for-masquerade']);
  assert.match(web[1].rules[2], /^numgen random mod 2 vmap \{ 0 : goto endpoint-\w+-default\/web\/http\/tcp__10\.42\.0\.5\/8080, 1 : goto endpoint-\w+-default\/web\/http\/tcp__10\.42\.0\.6\/8080 \}$/);
  const ep = [...rs.chains].find(([n]) => n.endsWith('default/web/http/tcp__10.42.0.5/8080'))!;
  assert.deepEqual(ep[1].rules, ['ip saddr 10.42.0.5 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.42.0.5:8080']);
  assert.ok(rs.sets.get('service-ips')!.elements.includes(`10.43.0.10 . tcp . 80 : goto ${web[0]}`));
  // UDP services DNAT with their protocol.
  assert.ok(chainRules(rs, 'endpoint-').flat().includes('meta l4proto udp dnat to 10.42.0.8:5353'));
  assert.ok(rs.sets.get('service-ips')!.elements.some((e) => e.startsWith('10.43.0.13 . udp . 53 : goto service-')));
  // Headless services get nothing; every cluster IP is known so unknown ports are rejected.
  assert.deepEqual(rs.sets.get('cluster-ips')!.elements.sort(), ['10.43.0.10', '10.43.0.11', '10.43.0.12', '10.43.0.13']);
});

test('services without endpoints are rejected, on the cluster IP and the node port', () => {
  const rs = renderRuleset(cluster(), { nodePortIPs: ['192.0.2.10'], serviceCIDRs: ['10.43.0.0/16'] });
  // So is any other address of the service CIDR (nothing there may leave the node).
  assert.deepEqual(rs.chains.get('cluster-ips-check')!.rules.slice(2), ['ip daddr { 10.43.0.0/16 } meta l4proto tcp reject with tcp reset', 'ip daddr { 10.43.0.0/16 } reject']);
  assert.deepEqual(rs.sets.get('no-endpoint-services')!.elements, ['10.43.0.12 . tcp . 80 : goto reject-chain']);
  assert.deepEqual(rs.sets.get('no-endpoint-nodeports')!.elements, ['tcp . 30082 : goto reject-chain']);
  assert.deepEqual(rs.chains.get('reject-chain')!.rules, ['meta l4proto tcp reject with tcp reset', 'reject']);
  assert.ok(![...rs.chains.keys()].some((n) => n.includes('default/empty/')));
});

test('NodePorts go through an external chain that masquerades, on the node IPs', () => {
  const rs = renderRuleset(cluster(), { nodePortIPs: ['192.0.2.10', '127.0.0.1'] });
  assert.deepEqual(rs.sets.get('nodeport-ips')!.elements, ['192.0.2.10', '127.0.0.1']);
  const [ext] = rs.sets.get('service-nodeports')!.elements;
  assert.match(ext, /^tcp \. 30080 : goto external-\w+-default\/web\/http\/tcp$/);
  const chain = rs.chains.get(ext.split('goto ')[1])!;
  assert.deepEqual(chain.rules, ['jump mark-for-masquerade', `goto ${ext.split('goto ')[1].replace('external-', 'service-')}`]);
});

test('ClientIP affinity: a timed set per endpoint, checked before the random pick and refreshed on use', () => {
  const rs = renderRuleset(cluster(), { nodePortIPs: [] });
  const [name, def] = [...rs.affinitySets][0];
  assert.equal(rs.affinitySets.size, 1);
  assert.equal(def.timeoutSeconds, 60);
  const svc = [...rs.chains].find(([n]) => n.startsWith('service-') && n.includes('default/sticky/'))![1].rules;
  assert.match(svc[1], new RegExp(`^ip saddr @${name.replace(/[/.]/g, '\\$&')} goto endpoint-`));
  assert.ok(chainRules(rs, 'endpoint-').flat().includes(`update @${name} { ip saddr }`));
});

test("masqueradeAll marks all service traffic; without a cluster CIDR only the host's own", () => {
  const all = renderRuleset(cluster(), { nodePortIPs: [], masqueradeAll: true, clusterCIDR: '10.42.0.0/16' });
  assert.ok(chainRules(all, 'service-')[0].includes('jump mark-for-masquerade'));
  const none = renderRuleset(cluster(), { nodePortIPs: [] });
  assert.equal(chainRules(none, 'service-')[0].filter((r) => r.includes('mark-for-masquerade')).length, 1);
});

test('a later sync rewrites only changed chains, deletes gone ones and keeps affinity sets', () => {
  const first = buildTransaction('t', renderRuleset(cluster(), { nodePortIPs: [] }));
  assert.match(first.script, /^add table ip t\ndelete table ip t\nadd table ip t\n/);
  const same = buildTransaction('t', renderRuleset(cluster(), { nodePortIPs: [] }), first.state);
  assert.ok(!same.script.includes('add rule'), same.script);
  assert.ok(!same.script.includes('delete'), same.script);

  const fewer = buildServicePorts([service('web', '10.43.0.10'), service('sticky', '10.43.0.11', { sessionAffinity: 'ClientIP' })], [endpointSlice('web', ['10.42.0.6']), endpointSlice('sticky', ['10.42.0.7'])]);
  const next = buildTransaction('t', renderRuleset(fewer, { nodePortIPs: [] }), first.state).script;
  assert.match(next, /flush chain ip t endpoint-\w+-default\/web\/http\/tcp__10\.42\.0\.5\/8080\n/);
  assert.match(next, /delete chain ip t endpoint-\w+-default\/web\/http\/tcp__10\.42\.0\.5\/8080\n/);
  assert.match(next, /add rule ip t service-\w+-default\/web\/http\/tcp numgen random mod 1 /);
  // The default timeout differs from 60s: a new set replaces the old one.
  assert.match(next, /delete set ip t affinity-/);
  assert.match(next, /add set ip t affinity-\w+-default\/sticky\/http\/tcp__10\.42\.0\.7\/8080 \{ type ipv4_addr; flags dynamic,timeout; timeout 10800s; \}/);
  assert.ok(next.indexOf('flush chain') < next.indexOf('delete chain'));
  // Only changed elements move: the gone services' keys are deleted, unchanged ones are not re-added.
  assert.match(next, /delete element ip t no-endpoint-services \{ 10\.43\.0\.12 \. tcp \. 80 \}/);
  assert.ok(!/add element ip t service-ips/.test(next), next);
});

test('the generated scripts are valid nft: a first sync, then a change, applied to a scratch table', { skip: asRoot ? false : 'needs root for nft' }, async () => {
  // No traffic is sent; the table only exists for the length of this test.
  const table = `gifee-unit-${process.pid}`;
  const opts = { nodePortIPs: ['127.0.0.1'], clusterCIDR: '10.42.0.0/16', guardLocalnet: true, serviceCIDRs: ['10.43.0.0/16'] };
  try {
    const first = buildTransaction(table, renderRuleset(cluster(), opts));
    await nftApply(first.script);
    const fewer = buildServicePorts([service('web', '10.43.0.10'), service('sticky', '10.43.0.11', { sessionAffinity: 'ClientIP' })], [endpointSlice('web', ['10.42.0.6']), endpointSlice('sticky', ['10.42.0.7'])]);
    await nftApply(buildTransaction(table, renderRuleset(fewer, opts), first.state).script);
    const listed = await nft(['list', 'table', 'ip', table]);
    assert.ok(listed.includes('dnat to 10.42.0.6:8080') && !listed.includes('dnat to 10.42.0.5:8080'), listed);
    assert.ok(!listed.includes('10.43.0.12'), listed);
  } finally {
    await deleteTable(table);
  }
});
