import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { NODE_INGRESS_ANNOTATION, parseIngressListening, formatIngressListening } from '../../api/ingress-class.js';
import { ingressAddresses, MAX_INGRESS_ADDRESSES } from './plan.js';

const node = (name: string, ip: string, o: { listening?: string; ready?: boolean; labels?: Record<string, string>; deleting?: boolean } = {}): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: o.labels, annotations: o.listening !== undefined ? { [NODE_INGRESS_ANNOTATION]: o.listening } : {}, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  }) as KObject;

test('ingress addresses: Ready nodes whose controller listens, by their bind address when specific', () => {
  const cases: { name: string; nodes: KObject[]; want: string[] }[] = [
    { name: 'none listening', nodes: [node('a', '10.0.0.1'), node('b', '10.0.0.2')], want: [] },
    { name: 'listening nodes only, sorted numerically', nodes: [node('a', '10.0.0.10', { listening: 'http=80,https=443' }), node('b', '10.0.0.9', { listening: 'https=443' }), node('c', '10.0.0.1')], want: ['10.0.0.9', '10.0.0.10'] },
    { name: 'not Ready or being deleted: left out', nodes: [node('a', '10.0.0.1', { listening: 'http=80', ready: false }), node('b', '10.0.0.2', { listening: 'http=80', deleting: true }), node('c', '10.0.0.3', { listening: 'http=80' })], want: ['10.0.0.3'] },
    { name: 'excluded from load balancers: left out', nodes: [node('a', '10.0.0.1', { listening: 'http=80', labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } })], want: [] },
    { name: 'a specific bind address is the address', nodes: [node('a', '10.0.0.1', { listening: 'http=80,bind=10.0.5.5' })], want: ['10.0.5.5'] },
    { name: 'bound to all: the node IP', nodes: [node('a', '10.0.0.1', { listening: 'http=80,bind=0.0.0.0' })], want: ['10.0.0.1'] },
    { name: 'bound to loopback: reachable from nowhere else, not published', nodes: [node('a', '10.0.0.1', { listening: 'http=80,bind=127.0.0.1' })], want: [] },
    { name: 'a loopback node IP is never published', nodes: [node('a', '127.0.0.1', { listening: 'http=80' })], want: [] },
    { name: 'a garbage annotation is not listening', nodes: [node('a', '10.0.0.1', { listening: 'http=80;rm -rf' }), node('b', '10.0.0.2', { listening: 'http=99999' }), node('c', '10.0.0.3', { listening: '' })], want: [] },
    { name: 'two nodes on one bind address: listed once', nodes: [node('a', '10.0.0.1', { listening: 'http=80,bind=10.0.9.9' }), node('b', '10.0.0.2', { listening: 'http=80,bind=10.0.9.9' })], want: ['10.0.9.9'] },
  ];
  for (const c of cases) assert.deepEqual(ingressAddresses(c.nodes), c.want, c.name);
});

test('ingress addresses are bounded', () => {
  const nodes = Array.from({ length: 300 }, (_, i) => node(`n${i}`, `10.1.${i >> 8}.${(i & 255) + 1 > 254 ? 1 : (i & 255) + 1}`, { listening: 'http=80' }));
  assert.ok(ingressAddresses(nodes).length <= MAX_INGRESS_ADDRESSES);
});

test('the listening annotation round-trips and refuses what an agent never writes', () => {
  assert.deepEqual(parseIngressListening(formatIngressListening({ httpPort: 80, httpsPort: 443 })), { httpPort: 80, httpsPort: 443 });
  assert.deepEqual(parseIngressListening(formatIngressListening({ httpsPort: 8443, bindAddress: '10.0.0.1' })), { httpsPort: 8443, bindAddress: '10.0.0.1' });
  for (const bad of [undefined, '', 'bind=10.0.0.1', 'http=0', 'http=80,', 'ftp=21', 'http=80'.repeat(40)]) assert.equal(parseIngressListening(bad), undefined, String(bad));
});
