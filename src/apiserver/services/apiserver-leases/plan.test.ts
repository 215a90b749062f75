import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../api/kind.js';
import { ADDRESS_ANNOTATION, IDENTITY_LABEL, leaseNameFor, parseLease, planEndpoints, PORT_ANNOTATION, type Desired } from './plan.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** A lease renewed `ago` seconds before NOW for `duration` seconds. */
function lease(address: string, port: number | string, ago: number, duration: number | unknown = 15, extra: { label?: string; renewTime?: unknown } = {}): KObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: `l-${address}-${port}`, namespace: 'kube-system', labels: { [IDENTITY_LABEL]: extra.label ?? 'kube-apiserver' }, annotations: { [ADDRESS_ANNOTATION]: address, [PORT_ANNOTATION]: String(port) } },
    spec: { holderIdentity: 'x', leaseDurationSeconds: duration, renewTime: 'renewTime' in extra ? extra.renewTime : new Date(NOW - ago * 1000).toISOString().replace(/Z$/, '000Z') },
  };
}

const self = { address: '127.0.0.1', port: 6443 };
const v4 = (port: number, ...addresses: string[]): Desired => ({ port, addresses, addressType: 'IPv4' });

const cases: { name: string; leases: KObject[]; includeSelf?: boolean; maxServers?: number; self?: typeof self; want: Desired | undefined }[] = [
  { name: 'alone, no leases yet: itself', leases: [], want: v4(6443, '127.0.0.1') },
  { name: 'its own lease does not list it twice', leases: [lease('127.0.0.1', 6443, 1)], want: v4(6443, '127.0.0.1') },
  { name: 'a live peer is listed, sorted numerically', leases: [lease('127.0.0.10', 6443, 1), lease('127.0.0.2', 6443, 14)], want: v4(6443, '127.0.0.1', '127.0.0.2', '127.0.0.10') },
  { name: 'an expired peer is not', leases: [lease('127.0.0.2', 6443, 15), lease('127.0.0.3', 6443, 100)], want: v4(6443, '127.0.0.1') },
  { name: "each lease's own duration counts", leases: [lease('127.0.0.2', 6443, 20, 30), lease('127.0.0.3', 6443, 2, 1)], want: v4(6443, '127.0.0.1', '127.0.0.2') },
  { name: 'a duration above the cap counts as the cap', leases: [lease('127.0.0.2', 6443, 3700, 1e9)], want: v4(6443, '127.0.0.1') },
  { name: 'renewed further in the future than its duration: not honoured', leases: [lease('127.0.0.2', 6443, -20, 15), lease('127.0.0.3', 6443, -5, 15)], want: v4(6443, '127.0.0.1', '127.0.0.3') },
  { name: 'stopping: its own address goes, the peers stay', includeSelf: false, leases: [lease('127.0.0.1', 6443, 1), lease('127.0.0.2', 6443, 1)], want: v4(6443, '127.0.0.2') },
  { name: 'stopping as the last server: left as it is, never emptied', includeSelf: false, leases: [lease('127.0.0.1', 6443, 1), lease('127.0.0.2', 6443, 60)], want: undefined },
  {
    name: 'malformed leases are ignored',
    leases: [
      lease('not-an-ip', 6443, 1),
      lease('127.0.0.2', 0, 1),
      lease('127.0.0.3', 70000, 1),
      lease('127.0.0.4', '64 43', 1),
      lease('127.0.0.5', 6443, 1, 0),
      lease('127.0.0.6', 6443, 1, 'fifteen'),
      lease('127.0.0.7', 6443, 1, 15, { renewTime: 'yesterday' }),
      lease('127.0.0.8', 6443, 1, 15, { renewTime: 12 }),
      lease('127.0.0.9', 6443, 1, 15, { label: 'kube-scheduler' }),
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'bare' } },
      { metadata: { labels: { [IDENTITY_LABEL]: 'kube-apiserver' }, annotations: { [ADDRESS_ANNOTATION]: '127.0.0.10', [PORT_ANNOTATION]: '6443' } }, spec: null } as unknown as KObject,
    ],
    want: v4(6443, '127.0.0.1'),
  },
  { name: 'other address family: not listed', leases: [lease('::1', 6443, 1)], want: v4(6443, '127.0.0.1') },
  { name: 'IPv6 server lists IPv6', self: { address: '::1', port: 6443 }, leases: [lease('::2', 6443, 1), lease('127.0.0.2', 6443, 1)], want: { port: 6443, addresses: ['::1', '::2'], addressType: 'IPv6' } },
  { name: 'ports differ: the port most servers use', leases: [lease('127.0.0.2', 7443, 1), lease('127.0.0.3', 7443, 1)], want: v4(7443, '127.0.0.2', '127.0.0.3') },
  { name: 'ports tie: the lowest', leases: [lease('127.0.0.2', 5443, 1)], want: v4(5443, '127.0.0.2') },
  { name: 'one address on two ports counts on each', leases: [lease('127.0.0.1', 7443, 1), lease('127.0.0.2', 6443, 1)], want: v4(6443, '127.0.0.1', '127.0.0.2') },
  { name: 'capped: itself and the first others in address order', maxServers: 3, leases: [lease('127.0.0.9', 6443, 1), lease('127.0.0.3', 6443, 1), lease('127.0.0.2', 6443, 1), lease('127.0.0.4', 6443, 1)], want: v4(6443, '127.0.0.1', '127.0.0.2', '127.0.0.3') },
];

for (const c of cases) {
  test(`planEndpoints: ${c.name}`, () => {
    const got = planEndpoints({ leases: c.leases, now: NOW, self: c.self ?? self, includeSelf: c.includeSelf ?? true, maxServers: c.maxServers ?? 64 });
    assert.deepEqual(got, c.want);
  });
}

test('planEndpoints: the same answer whatever order the leases come in', () => {
  const leases = [lease('127.0.0.3', 6443, 1), lease('127.0.0.2', 6443, 1), lease('127.0.0.4', 7443, 1)];
  const a = planEndpoints({ leases, now: NOW, self, includeSelf: true, maxServers: 64 });
  const b = planEndpoints({ leases: [...leases].reverse(), now: NOW, self, includeSelf: true, maxServers: 64 });
  assert.deepEqual(a, b);
});

test('leaseNameFor: one stable, valid name per advertised endpoint', () => {
  const a = leaseNameFor({ address: '127.0.0.1', port: 6443 });
  assert.equal(a, leaseNameFor({ address: '127.0.0.1', port: 6443 }));
  assert.notEqual(a, leaseNameFor({ address: '127.0.0.2', port: 6443 }));
  assert.notEqual(a, leaseNameFor({ address: '127.0.0.1', port: 6444 }));
  assert.match(a, /^apiserver-[0-9a-f]{26}$/);
});

test('parseLease: expiry is the renew time plus the duration', () => {
  assert.deepEqual(parseLease(lease('127.0.0.2', 6443, 5, 15)), { address: '127.0.0.2', port: 6443, renewedAt: NOW - 5000, expiresAt: NOW + 10_000 });
});
