import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { announceLabel, announcements, onLink } from './announcer.js';
import { endpointSlice } from './testing.js';

const node = (name: string, ip: string, o: { ready?: boolean; labels?: Record<string, string> } = {}) => ({ metadata: { name, labels: o.labels ?? {} }, status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }], addresses: [{ type: 'InternalIP', address: ip }] } }) as KObject;
const lb = (name: string, ips: string[], spec: Record<string, unknown> = {}) => ({ metadata: { namespace: 'default', name }, spec: { type: 'LoadBalancer', ...spec }, status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } }) as KObject;
const nodes = [node('n1', '10.250.0.2'), node('n2', '10.250.0.3'), node('n3', '10.250.0.4')];

test('each pool address has one owner among the Ready nodes, the same from any input order', () => {
  const services = Array.from({ length: 30 }, (_, i) => lb(`s${i}`, [`10.250.0.${100 + i}`]));
  const a = announcements(services, [], nodes);
  const b = announcements([...services].reverse(), [], [...nodes].reverse());
  assert.equal(a.size, 30);
  assert.deepEqual([...a].sort(), [...b].sort());
  // Spread over the nodes (rendezvous hashing), and a node that goes away only moves its own addresses.
  assert.equal(new Set(a.values()).size, 3);
  const without = announcements(services, [], nodes.slice(0, 2));
  for (const [ip, owner] of a) if (owner !== 'n3') assert.equal(without.get(ip), owner, ip);
});

test('what is not announced: node IPs (node IP mode), special addresses, other implementations, unready and excluded nodes', () => {
  const got = announcements(
    [lb('nodeips', ['10.250.0.2', '10.250.0.3']), lb('odd', ['127.0.0.1', '0.0.0.0', '224.0.0.1', 'x']), lb('theirs', ['10.250.0.50'], { loadBalancerClass: 'example.com/lb' }), { ...lb('cip', ['10.250.0.51']), spec: { type: 'ClusterIP' } } as KObject, lb('ok', ['10.250.0.52'])],
    [],
    [node('n1', '10.250.0.2'), node('n2', '10.250.0.3', { ready: false }), node('n3', '10.250.0.4', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' } })],
  );
  assert.deepEqual([...got], [['10.250.0.52', 'n1']]);
  assert.deepEqual([...announcements([lb('ok', ['10.250.0.52'])], [], [])], [], 'no node serves: nobody announces');
});

test('externalTrafficPolicy Local: a node with a ready endpoint announces; with none anywhere, any node', () => {
  const svc = lb('web', ['10.250.0.60'], { externalTrafficPolicy: 'Local' });
  for (const holder of ['n1', 'n2', 'n3']) {
    const slice = endpointSlice('web', [
      { ip: '10.42.0.5', nodeName: holder },
      { ip: '10.42.0.6', nodeName: 'n9', ready: false },
    ]);
    assert.equal(announcements([svc], [slice], nodes).get('10.250.0.60'), holder);
  }
  assert.ok(announcements([svc], [], nodes).has('10.250.0.60'));
});

test('the address label fits iproute2 (15 characters) or is left out', () => {
  assert.equal(announceLabel('eth0'), 'eth0:lb');
  assert.equal(announceLabel('enp0s31f6abcd'), undefined);
});

test('only addresses in the node network are put on its interface', () => {
  assert.ok(onLink('10.250.7.200', '10.250.7.2', 24));
  assert.ok(!onLink('10.250.8.200', '10.250.7.2', 24), 'another subnet');
  assert.ok(!onLink('8.8.8.8', '127.0.0.1', 8), 'a node on loopback announces nothing real');
  assert.ok(!onLink('10.250.7.3', '10.250.7.2', 32));
  assert.ok(onLink('192.168.1.77', '192.168.0.10', 16));
  assert.ok(!onLink('x', '10.250.7.2', 24));
});
