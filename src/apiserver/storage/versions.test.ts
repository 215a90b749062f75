import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDef, KObject } from '../../api/kind.js';
import { hpaV1, hpaV2 } from '../../api/kinds/autoscaling/hpa.js';
import { priorityClass } from '../../api/kinds/cluster/priorityclass.js';
import { eventAs, serializationKey, versionViewOf } from './versions.js';
import type { HubEvent } from './watch-hub.js';

const stored = (): KObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7' },
  spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
  status: { desiredReplicas: 0 },
});

test('a single-version kind has no view: nothing is converted', () => {
  assert.equal(versionViewOf(priorityClass), undefined);
  const e = { type: 'ADDED', key: 'k', revision: 1, object: { apiVersion: 'scheduling.k8s.io/v1' } } as HubEvent;
  assert.equal(eventAs(undefined, e), e);
  assert.equal(serializationKey(undefined, 'ADDED'), 'ADDED');
});

test('the storage version reads and writes as is; another version converts both ways', () => {
  const v2 = versionViewOf(hpaV2)!;
  const obj = stored();
  assert.equal(v2.fromStorage(obj), obj);
  assert.equal(v2.toStorage(obj), obj);
  const v1 = versionViewOf(hpaV1)!;
  const asV1 = v1.fromStorage(stored());
  assert.equal(asV1.apiVersion, 'autoscaling/v1');
  assert.equal(asV1.metadata?.resourceVersion, '7', 'metadata travels');
  assert.equal((asV1.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage, 50);
  assert.deepEqual(v1.toStorage(asV1), stored());
  assert.equal(versionViewOf(hpaV1), v1, 'one view per KindDef');
});

test('a body that does not convert is the client’s error (400); a stored one the server’s (500)', () => {
  const broken: KindDef = {
    ...hpaV1,
    conversion: {
      storageVersion: 'v2',
      convert: () => {
        throw new Error('nope');
      },
    },
  };
  const view = versionViewOf(broken)!;
  assert.throws(
    () => view.toStorage({ apiVersion: 'autoscaling/v1' }),
    (e: { code?: number }) => e.code === 400,
  );
  assert.throws(
    () => view.fromStorage({ apiVersion: 'autoscaling/v2' }),
    (e: { code?: number }) => e.code === 500,
  );
});

test('a hub event is converted once per version and serialized per version', () => {
  const v1 = versionViewOf(hpaV1)!;
  const v2 = versionViewOf(hpaV2)!;
  const e: HubEvent = { type: 'MODIFIED', key: 'k', revision: 8, object: stored(), old: stored() };
  const a = eventAs(v1, e);
  assert.equal(a.object.apiVersion, 'autoscaling/v1');
  assert.equal(a.old?.apiVersion, 'autoscaling/v1');
  assert.equal(eventAs(v1, e), a, 'cached');
  assert.equal(eventAs(v2, e).object, e.object, 'the storage version is the stored object');
  assert.notEqual(serializationKey(v1, 'MODIFIED'), serializationKey(v2, 'MODIFIED'));
});
