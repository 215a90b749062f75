import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpstreamIndex } from './upstreams.js';

const svc = {
  metadata: { name: 'web', namespace: 'ns' },
  spec: {
    ports: [
      { name: 'http', port: 80 },
      { name: 'admin', port: 9000 },
    ],
  },
};
const slice = (
  endpoints: { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }[],
  ports = [
    { name: 'http', port: 8080 },
    { name: 'admin', port: 9090 },
  ],
) => ({
  metadata: { namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports,
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating } })),
});
const b = (port: number | string) => ({ namespace: 'ns', service: 'web', port });

test('upstreams: the Service port by number or name maps to the slice port of the same name; ready first, draining when none is ready', () => {
  const idx = UpstreamIndex.build([b(80), b('admin'), b(81)], [svc], [slice([{ ip: '10.0.0.1' }, { ip: '10.0.0.2', ready: false, serving: true, terminating: true }]), slice([{ ip: '10.0.0.3', ready: true }])]);
  assert.deepEqual(idx.get(b(80)), [
    { ip: '10.0.0.1', port: 8080 },
    { ip: '10.0.0.3', port: 8080 },
  ]);
  assert.deepEqual(
    idx.get(b('admin')).map((u) => u.port),
    [9090, 9090],
  );
  assert.deepEqual(idx.get(b(81)), []); // no such Service port
  assert.deepEqual(idx.get({ namespace: 'other', service: 'web', port: 80 }), []);
  // Only terminating endpoints left: the serving ones keep answering while they drain.
  const draining = UpstreamIndex.build(
    [b(80)],
    [svc],
    [
      slice([
        { ip: '10.0.0.2', ready: false, serving: true, terminating: true },
        { ip: '10.0.0.4', ready: false, serving: false, terminating: true },
      ]),
    ],
  );
  assert.deepEqual(draining.get(b(80)), [{ ip: '10.0.0.2', port: 8080 }]);
  // Broken slices are skipped, not thrown on.
  assert.doesNotThrow(() => UpstreamIndex.build([b(80)], [svc], [{ metadata: {}, endpoints: null, ports: null } as never, { ...slice([]), addressType: 'IPv6' }]));
});
