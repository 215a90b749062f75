// Desired endpoints (conditions, per-pod named ports, publishNotReadyAddresses) and slice planning
// (100 per slice, little churn, the placeholder), plus the core/v1 Endpoints subsets built from the same pods.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { desiredGroups } from './desired.js';
import { planSlices } from './plan.js';
import { desiredSubsets } from '../endpoints/subsets.js';

const svc = (spec: Record<string, unknown> = {}): KObject => ({ metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec } });

function pod(i: number, opts: { ready?: boolean; deleting?: boolean; port?: number | null; ip?: string | null; labels?: Record<string, string>; phase?: string } = {}): KObject {
  const ports = opts.port === null ? [] : [{ name: 'http', containerPort: opts.port ?? 8080 }];
  return {
    metadata: { name: `web-${String(i).padStart(3, '0')}`, namespace: 'ns', uid: `uid-${i}`, labels: opts.labels ?? { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports }] },
    status: { phase: opts.phase ?? 'Running', ...(opts.ip === null ? {} : { podIP: opts.ip ?? `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}` }), conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

test('conditions: ready, not ready, terminating (serving while ready), and who is left out', () => {
  const pods = [pod(1), pod(2, { ready: false }), pod(3, { deleting: true }), pod(4, { ip: null }), pod(5, { labels: { app: 'other' } }), pod(6, { phase: 'Succeeded' })];
  const [g] = desiredGroups(svc(), pods, () => 'zone-a');
  assert.deepEqual(g.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(
    g.endpoints.map((e) => [e.targetRef.name, e.conditions.ready, e.conditions.serving, e.conditions.terminating]),
    [
      ['web-001', true, true, false],
      ['web-002', false, false, false],
      ['web-003', false, true, true],
    ],
  );
  assert.equal(g.endpoints[0].zone, 'zone-a');
  assert.equal(g.endpoints[0].nodeName, 'n1');
  assert.deepEqual(g.endpoints[0].targetRef, { kind: 'Pod', namespace: 'ns', name: 'web-001', uid: 'uid-1' });
  const [p] = desiredGroups(svc({ publishNotReadyAddresses: true }), [pod(2, { ready: false })]);
  assert.equal(p.endpoints[0].conditions.ready, true);
});

test('a named targetPort resolves per pod: pods on different ports go to different slices', () => {
  const groups = desiredGroups(svc(), [pod(1, { port: 8080 }), pod(2, { port: 9090 }), pod(3, { port: null })]);
  assert.deepEqual(
    groups.map((g) => [g.ports.map((p) => p.port), g.endpoints.map((e) => e.targetRef.name)]),
    [
      [[8080], ['web-001']],
      [[9090], ['web-002']],
      [[], ['web-003']],
    ],
  );
  const plan = planSlices([], groups);
  assert.equal(plan.create.length, 3);
});

const asSlices = (plan: ReturnType<typeof planSlices>, prefix = 's'): KObject[] => plan.create.map((c, i) => ({ metadata: { name: `${prefix}${i}` }, ports: c.ports, endpoints: c.endpoints }));

test('at most 100 endpoints a slice; a change touches only the slice it is in', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(i));
  const first = planSlices([], desiredGroups(svc(), pods));
  assert.deepEqual(
    first.create.map((c) => c.endpoints.length),
    [100, 100, 50],
  );
  const slices = asSlices(first);
  assert.equal(planSlices(slices, desiredGroups(svc(), pods)).keep.length, 3, 'nothing to do when nothing changed');
  // One pod becomes unready: one slice updated, two kept.
  const changed = pods.map((p, i) => (i === 120 ? pod(i, { ready: false }) : p));
  const second = planSlices(slices, desiredGroups(svc(), changed));
  assert.equal(second.update.length, 1);
  assert.equal(second.keep.length, 2);
  assert.equal(second.create.length + second.delete.length, 0);
  // 10 new pods fill the slice with room rather than making a new one.
  const more = [...pods, ...Array.from({ length: 10 }, (_, i) => pod(300 + i))];
  const third = planSlices(slices, desiredGroups(svc(), more));
  assert.equal(third.create.length, 0);
  assert.deepEqual(
    third.update.map((u) => [u.slice.metadata!.name, u.endpoints.length]),
    [['s2', 60]],
  );
});

test('no endpoints: one placeholder slice; the placeholder is reused when pods come', () => {
  const none = planSlices([], desiredGroups(svc(), []));
  assert.deepEqual(none.create, [{ ports: [], endpoints: [] }]);
  const placeholder = asSlices(none);
  const again = planSlices(placeholder, []);
  assert.equal(again.keep.length, 1);
  const withPods = planSlices(placeholder, desiredGroups(svc(), [pod(1)]));
  assert.equal(withPods.create.length, 0);
  assert.equal(withPods.update.length, 1);
  assert.equal(withPods.update[0].endpoints.length, 1);
  // Back to none: the slice becomes the placeholder, extra slices go.
  const two = [
    ...asSlices(
      planSlices(
        [],
        desiredGroups(
          svc(),
          Array.from({ length: 150 }, (_, i) => pod(i)),
        ),
      ),
    ),
  ];
  const empty = planSlices(two, []);
  assert.equal(empty.update.length + empty.keep.length, 1);
  assert.equal(empty.delete.length, 1);
});

test('core/v1 Endpoints: ready addresses, notReadyAddresses, terminating pods left out, ports per subset', () => {
  const { subsets, truncated } = desiredSubsets(svc(), [pod(2), pod(1), pod(3, { ready: false }), pod(4, { deleting: true }), pod(5, { port: 9090 })]);
  assert.equal(truncated, false);
  assert.deepEqual(
    subsets.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]),
    [
      [['10.42.0.2', '10.42.0.3'], ['10.42.0.4'], [8080]],
      [['10.42.0.6'], undefined, [9090]],
    ],
  );
  const headless = desiredSubsets(svc({ clusterIP: 'None', ports: [] }), [pod(1)]);
  assert.deepEqual(
    headless.subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports]),
    [[['10.42.0.2'], undefined]],
  );
  const published = desiredSubsets(svc({ publishNotReadyAddresses: true }), [pod(3, { ready: false }), pod(4, { deleting: true })]);
  assert.deepEqual(
    published.subsets[0].addresses?.map((a) => a.ip),
    ['10.42.0.4', '10.42.0.5'],
  );
});
