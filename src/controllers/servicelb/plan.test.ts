import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpPool } from './ip-pool.js';
import { type LbService, planNodeIPs, planPool } from './plan.js';
import { lbNodes } from './servicelb.js';

const svc = (key: string, created: string, o: Partial<LbService> = {}): LbService => ({ key, created, current: [], ports: ['80/TCP'], externalLocal: false, endpointNodes: [], ...o });
const show = (m: Map<string, unknown>) => Object.fromEntries([...m].map(([k, d]) => [k, 'pending' in (d as object) ? `pending ${(d as { reason: string }).reason}: ${(d as { message: string }).message}` : (d as { ips: string[] }).ips.join(',')]));

test('the pool: ranges, CIDRs and single addresses; bad specs say what is wrong', () => {
  const p = IpPool.parse('10.0.0.200-10.0.0.202, 10.0.1.0/31,10.0.2.9');
  assert.deepEqual([...p.addresses()], ['10.0.0.200', '10.0.0.201', '10.0.0.202', '10.0.1.0', '10.0.1.1', '10.0.2.9']);
  assert.equal(p.size, 6);
  assert.ok(p.contains('10.0.1.1') && !p.contains('10.0.1.2') && !p.contains('nonsense'));
  const bad: [string, RegExp][] = [
    ['', /no addresses/],
    ['10.0.0.5-10.0.0.1', /ends before it starts/],
    ['10.0.0.1/24', /bits set past the \/24/],
    ['10.0.0.0/8', /more than 65536/],
    ['10.0.0.0/24,10.0.0.7', /10\.0\.0\.7 is in two/],
    ['fd00::/64', /not an IPv4/],
    ['10.0.0.300', /not an IPv4 address/],
  ];
  for (const [spec, err] of bad) assert.throws(() => IpPool.parse(spec), err, spec);
});

test('pool planning: kept, requested, next free; conflicts and exhaustion are pending, oldest wins', () => {
  const pool = IpPool.parse('10.0.0.200-10.0.0.202');
  const cases: { name: string; services: LbService[]; want: Record<string, string> }[] = [
    { name: 'lowest free, oldest first', services: [svc('d/b', '2'), svc('d/a', '1')], want: { 'd/a': '10.0.0.200', 'd/b': '10.0.0.201' } },
    { name: 'what a Service holds is kept', services: [svc('d/a', '1'), svc('d/b', '2', { current: ['10.0.0.200'] })], want: { 'd/a': '10.0.0.201', 'd/b': '10.0.0.200' } },
    { name: 'a held address outside the pool is replaced', services: [svc('d/a', '1', { current: ['10.9.9.9'] })], want: { 'd/a': '10.0.0.200' } },
    {
      name: 'a request for a held address is a conflict, whatever the ages',
      services: [svc('d/a', '2', { current: ['10.0.0.200'] }), svc('d/b', '1', { requested: '10.0.0.200' })],
      want: { 'd/a': '10.0.0.200', 'd/b': 'pending AllocationFailed: requested IP 10.0.0.200 is already assigned to Service d/a' },
    },
    { name: 'a holder that now asks for another address moves to it', services: [svc('d/a', '1', { current: ['10.0.0.200'], requested: '10.0.0.202' }), svc('d/b', '2')], want: { 'd/a': '10.0.0.202', 'd/b': '10.0.0.200' } },
    { name: 'two holding one address: the older keeps it', services: [svc('d/a', '2', { current: ['10.0.0.201'] }), svc('d/b', '1', { current: ['10.0.0.201'] })], want: { 'd/a': '10.0.0.200', 'd/b': '10.0.0.201' } },
    {
      name: 'two requests for one address: the older gets it, the younger is pending',
      services: [svc('d/a', '1', { requested: '10.0.0.202' }), svc('d/b', '2', { requested: '10.0.0.202' })],
      want: { 'd/a': '10.0.0.202', 'd/b': 'pending AllocationFailed: requested IP 10.0.0.202 is already assigned to Service d/a' },
    },
    { name: 'a request outside the pool', services: [svc('d/a', '1', { requested: '10.0.9.1' })], want: { 'd/a': 'pending AllocationFailed: requested IP 10.0.9.1 is not in the load balancer pool (10.0.0.200-10.0.0.202)' } },
    {
      name: 'an exhausted pool leaves the youngest pending',
      services: [svc('d/a', '1'), svc('d/b', '2'), svc('d/c', '3', { requested: '10.0.0.201' }), svc('d/e', '4')],
      want: { 'd/a': '10.0.0.200', 'd/b': '10.0.0.202', 'd/c': '10.0.0.201', 'd/e': 'pending AllocationFailed: no address left in the load balancer pool (10.0.0.200-10.0.0.202, 3 addresses)' },
    },
    { name: 'same age: by name', services: [svc('d/b', '1'), svc('d/a', '1')], want: { 'd/a': '10.0.0.200', 'd/b': '10.0.0.201' } },
  ];
  for (const c of cases) assert.deepEqual(show(planPool(c.services, pool)), c.want, c.name);
});

test('pool planning is bounded: a large pool and many Services in one walk', () => {
  const pool = IpPool.parse('10.1.0.0/16');
  const services = Array.from({ length: 70_000 }, (_, i) => svc(`d/s${i}`, String(i).padStart(6, '0')));
  const plan = planPool(services, pool);
  assert.equal([...plan.values()].filter((d) => 'pending' in d).length, 70_000 - 65_536);
});

test('node IP planning: every node, Local only nodes with endpoints, a port is one Service’s, requests name a node', () => {
  const nodes = [
    { name: 'n2', ip: '10.250.0.3' },
    { name: 'n1', ip: '10.250.0.2' },
  ];
  const cases: { name: string; services: LbService[]; want: Record<string, string> }[] = [
    { name: 'all node IPs, sorted', services: [svc('d/a', '1')], want: { 'd/a': '10.250.0.2,10.250.0.3' } },
    { name: 'Local: nodes with endpoints', services: [svc('d/a', '1', { externalLocal: true, endpointNodes: ['n2', 'gone'] })], want: { 'd/a': '10.250.0.3' } },
    { name: 'Local without endpoints', services: [svc('d/a', '1', { externalLocal: true })], want: { 'd/a': 'pending NoNodes: no node that serves load balancers has a ready endpoint of the Service (externalTrafficPolicy Local)' } },
    {
      name: 'the same port: the older Service keeps it',
      services: [svc('d/b', '2', { ports: ['443/TCP', '80/TCP'] }), svc('d/a', '1'), svc('d/c', '3', { ports: ['80/UDP'] })],
      want: { 'd/a': '10.250.0.2,10.250.0.3', 'd/b': 'pending PortConflict: port 80/TCP on the node IPs is already used by Service d/a', 'd/c': '10.250.0.2,10.250.0.3' },
    },
    { name: 'a request for a node IP', services: [svc('d/a', '1', { requested: '10.250.0.3' })], want: { 'd/a': '10.250.0.3' } },
    { name: 'a request for another IP', services: [svc('d/a', '1', { requested: '10.9.9.9' })], want: { 'd/a': 'pending AllocationFailed: requested IP 10.9.9.9 is not the address of a node that serves load balancers (no --lb-ip-range pool is set)' } },
  ];
  for (const c of cases) assert.deepEqual(show(planNodeIPs(c.services, nodes)), c.want, c.name);
  assert.deepEqual(show(planNodeIPs([svc('d/a', '1')], [])), { 'd/a': 'pending NoNodes: no Ready node serves load balancers' });
});

test('nodes that serve load balancers: Ready, real, not excluded, not on loopback; ExternalIP before InternalIP', () => {
  const node = (name: string, o: { ready?: boolean; labels?: Record<string, string>; addresses?: { type: string; address: string }[] } = {}) => ({
    metadata: { name, labels: o.labels ?? {} },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }], addresses: o.addresses ?? [{ type: 'InternalIP', address: `10.0.0.${name.length}` }] },
  });
  const got = lbNodes([
    node('a'),
    node('bb', { ready: false }),
    node('ccc', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }),
    node('dddd', { labels: { 'sim.gifee.dev/simulated': 'true' } }),
    node('eeeee', {
      addresses: [
        { type: 'InternalIP', address: '10.0.0.5' },
        { type: 'ExternalIP', address: '192.0.2.5' },
      ],
    }),
    node('f', { addresses: [{ type: 'Hostname', address: 'f' }] }),
    // A test node registered as 127.0.0.1: its "address" would capture the machine's loopback ports.
    node('g', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] }),
  ]);
  assert.deepEqual(got, [
    { name: 'a', ip: '10.0.0.1' },
    { name: 'eeeee', ip: '192.0.2.5' },
  ]);
});
