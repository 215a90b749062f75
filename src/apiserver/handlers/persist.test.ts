// What keeps a deleting object in the store, and the grace a first DELETE gives: per kind (its
// deletion strategy hooks), not by resource name in the handlers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { configMap } from '../../api/kinds/cluster/configmap.js';
import { namespace } from '../../api/kinds/cluster/namespace.js';
import { pod } from '../../api/kinds/workloads/pod.js';
import { readyToRemove } from './persist.js';

const deleting = (o: Partial<KObject>, meta: Record<string, unknown> = {}): KObject => ({ apiVersion: 'v1', kind: 'X', ...o, metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z', ...meta } }) as KObject;

test('readyToRemove: finalizers, then what the kind holds the object for', () => {
  const cases: [string, Parameters<typeof readyToRemove>[0], KObject, boolean][] = [
    ['not deleting', configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, false],
    ['a config map, no finalizers', configMap, deleting({}), true],
    ['a config map with a finalizer', configMap, deleting({}, { finalizers: ['x/y'] }), false],
    ['a namespace with spec.finalizers', namespace, deleting({ spec: { finalizers: ['kubernetes'] } }), false],
    ['a namespace emptied', namespace, deleting({ spec: { finalizers: [] } }), true],
    ['a pod on a node in its grace period', pod, deleting({ spec: { nodeName: 'n1' } }, { deletionGracePeriodSeconds: 30 }), false],
    ['a pod on a node its agent stopped (grace 0)', pod, deleting({ spec: { nodeName: 'n1' } }, { deletionGracePeriodSeconds: 0 }), true],
    ['a pod never scheduled', pod, deleting({ spec: {} }, { deletionGracePeriodSeconds: 30 }), true],
  ];
  for (const [name, def, obj, want] of cases) assert.equal(readyToRemove(def, obj), want, name);
});

test('grace periods of a first DELETE: pods on a node by request, spec, then 30 s; nothing else has one', () => {
  const p = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec }) as KObject;
  assert.equal(pod.deletionGracePeriod!(p({ nodeName: 'n1' }), undefined), 30);
  assert.equal(pod.deletionGracePeriod!(p({ nodeName: 'n1', terminationGracePeriodSeconds: 5 }), undefined), 5);
  assert.equal(pod.deletionGracePeriod!(p({ nodeName: 'n1', terminationGracePeriodSeconds: 5 }), 0), 0);
  assert.equal(pod.deletionGracePeriod!(p({ nodeName: 'n1' }), 12), 12);
  assert.equal(pod.deletionGracePeriod!(p({}), 12), 0, 'not on a node: nothing to stop');
  assert.equal(configMap.deletionGracePeriod, undefined);
  assert.equal(namespace.deletionGracePeriod, undefined);
});

test('a deleted namespace turns Terminating, keeping the rest of its status', () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, status: { phase: 'Active', conditions: [] } } as KObject;
  namespace.beginDelete!(ns);
  assert.deepEqual(ns.status, { phase: 'Terminating', conditions: [] });
});
