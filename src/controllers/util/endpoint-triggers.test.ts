import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { Indexer } from '../../client/indexer.js';
import { endpointFieldsChanged, servicesForPodChange } from './endpoint-triggers.js';

const pod = (o: { labels?: Record<string, string>; ip?: string; ready?: boolean; restarts?: number; node?: string; deleting?: boolean } = {}): KObject => ({
  metadata: { namespace: 'ns', name: 'p', labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
  status: { phase: 'Running', podIP: o.ip ?? '10.0.0.1', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }], containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }] },
});

test('endpointFieldsChanged: what endpoints are made of, and nothing else', () => {
  const cases: [string, KObject, boolean][] = [
    ['restart count only', pod({ restarts: 3 }), false],
    ['pod IP', pod({ ip: '10.0.0.2' }), true],
    ['readiness', pod({ ready: false }), true],
    ['node', pod({ node: 'n2' }), true],
    ['deletion', pod({ deleting: true }), true],
  ];
  for (const [what, changed, want] of cases) assert.equal(endpointFieldsChanged(pod(), changed), want, what);
});

test('servicesForPodChange: selecting Services, old ones too when labels change, none for irrelevant updates', () => {
  const services = new Indexer();
  const svc = (name: string, selector: Record<string, string>) => ({ metadata: { namespace: 'ns', name }, spec: { selector } });
  services.set('ns/web', svc('web', { app: 'web' }));
  services.set('ns/api', svc('api', { app: 'api' }));
  services.set('other/web', { metadata: { namespace: 'other', name: 'web' }, spec: { selector: { app: 'web' } } });
  assert.deepEqual([...servicesForPodChange(services, undefined, pod())], ['ns/web']);
  assert.deepEqual([...servicesForPodChange(services, pod(), undefined)], ['ns/web']);
  assert.deepEqual([...servicesForPodChange(services, pod(), pod({ restarts: 1 }))], []);
  assert.deepEqual([...servicesForPodChange(services, pod(), pod({ ready: false }))], ['ns/web']);
  assert.deepEqual([...servicesForPodChange(services, pod(), pod({ labels: { app: 'api' } }))].sort(), ['ns/api', 'ns/web']);
});
