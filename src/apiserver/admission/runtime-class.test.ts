// The RuntimeClass admission plugin: a missing class is refused as Kubernetes refuses it, the
// class's overhead is set on the pod, its nodeSelector and tolerations merged, conflicts refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import type { ApiState, RequestContext } from '../context.js';
import type { AdmissionRequest } from './chain.js';
import { runtimeClassAdmission } from './runtime-class.js';
import { mergeNodeSelector, mergeTolerations, sameResources } from './runtime-class-merge.js';

const classes: Record<string, KObject> = {
  plain: { metadata: { name: 'plain' }, handler: 'runc' },
  kata: {
    metadata: { name: 'kata' },
    handler: 'kata',
    overhead: { podFixed: { cpu: '250m', memory: '120Mi' } },
    scheduling: { nodeSelector: { 'runtime/kata': 'true' }, tolerations: [{ key: 'runtime', operator: 'Equal', value: 'kata', effect: 'NoSchedule' }] },
  },
};

const state = {
  registry: { byResource: () => ({ group: 'node.k8s.io', plural: 'runtimeclasses' }) },
  objects: () => ({ get: async (_ns: string | undefined, name: string) => (classes[name] ? { obj: structuredClone(classes[name]), revision: 1 } : null) }),
} as unknown as ApiState;

const plugin = runtimeClassAdmission(state);
const podsContext = { def: { group: '', plural: 'pods' } } as unknown as RequestContext;
const request = (spec: Record<string, unknown>): AdmissionRequest => ({ rc: podsContext, operation: 'CREATE', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } }, subresource: '', dryRun: false });

async function admitPod(spec: Record<string, unknown>) {
  const a = request(spec);
  await plugin.mutate!(a);
  await plugin.validate!(a);
  return a.obj!.spec as Record<string, unknown>;
}

test('only pod creates on the main resource are handled', () => {
  assert.ok(plugin.handles(request({})));
  assert.ok(!plugin.handles({ ...request({}), operation: 'UPDATE' }));
  assert.ok(!plugin.handles({ ...request({}), subresource: 'status' }));
  assert.ok(!plugin.handles({ ...request({}), rc: { def: { group: 'apps', plural: 'deployments' } } as unknown as RequestContext }));
});

test('a pod naming a missing RuntimeClass is refused with 403', async () => {
  await assert.rejects(admitPod({ runtimeClassName: 'gone' }), (e: { code?: number; message?: string }) => e.code === 403 && e.message === 'pods "p" is forbidden: pod rejected: RuntimeClass "gone" not found');
});

test('pods without a class, or with a class without overhead or scheduling, are left alone', async () => {
  assert.deepEqual(await admitPod({}), { containers: [{ name: 'c', image: 'i' }] });
  assert.deepEqual(await admitPod({ runtimeClassName: 'plain' }), { runtimeClassName: 'plain', containers: [{ name: 'c', image: 'i' }] });
});

test("the class's overhead, nodeSelector and tolerations are applied", async () => {
  const spec = await admitPod({ runtimeClassName: 'kata', nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
  assert.deepEqual(spec.overhead, { cpu: '250m', memory: '120Mi' });
  assert.deepEqual(spec.nodeSelector, { disk: 'ssd', 'runtime/kata': 'true' });
  assert.deepEqual(spec.tolerations, [
    { key: 'dedicated', operator: 'Exists' },
    { key: 'runtime', operator: 'Equal', value: 'kata', effect: 'NoSchedule' },
  ]);
  // The same overhead written differently is the same overhead.
  assert.deepEqual((await admitPod({ runtimeClassName: 'kata', overhead: { cpu: '0.25', memory: '120Mi' } })).overhead, { cpu: '250m', memory: '120Mi' });
});

test("Kubernetes' conflict errors", async () => {
  const refused = (spec: Record<string, unknown>, message: string) => assert.rejects(admitPod(spec), (e: { code?: number; message?: string }) => e.code === 403 && e.message === `pods "p" is forbidden: ${message}`);
  await refused({ runtimeClassName: 'kata', nodeSelector: { 'runtime/kata': 'false' } }, 'conflict: runtimeClass.scheduling.nodeSelector[runtime/kata] = true; pod.spec.nodeSelector[runtime/kata] = false');
  await refused({ runtimeClassName: 'kata', overhead: { cpu: '1' } }, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  await refused({ overhead: { cpu: '1' } }, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  await refused({ runtimeClassName: 'plain', overhead: { cpu: '1' } }, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
});

test('merging node selectors and tolerations', () => {
  assert.deepEqual(mergeNodeSelector(undefined, { a: '1' }), { selector: { a: '1' } });
  assert.deepEqual(mergeNodeSelector({ a: '1' }, { a: '1', b: '2' }), { selector: { a: '1', b: '2' } });
  assert.deepEqual(mergeNodeSelector({ a: '1' }, undefined), { selector: { a: '1' } });
  const exists = { operator: 'Exists' };
  const k = { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' };
  const kAll = { key: 'k', operator: 'Exists' };
  assert.deepEqual(mergeTolerations([k], [k]), [k], 'equal ones once');
  assert.deepEqual(mergeTolerations([k], [kAll]), [kAll], 'a toleration covered by another is dropped');
  assert.deepEqual(mergeTolerations([exists], [k, kAll]), [exists], 'match-everything covers all');
  const short = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
  const long = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 100 };
  assert.deepEqual(mergeTolerations([short], [long]), [long]);
  assert.ok(sameResources({ cpu: '1', memory: '1Gi' }, { memory: '1024Mi', cpu: '1000m' }));
  assert.ok(!sameResources({ cpu: '1' }, { cpu: '1', memory: '1Gi' }));
});

test('a huge toleration list is merged in linear time (exact duplicates dropped)', () => {
  const many = Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, operator: 'Exists' }));
  const started = Date.now();
  const merged = mergeTolerations(many, [
    { key: 'k1', operator: 'Exists' },
    { key: 'extra', operator: 'Exists' },
  ]);
  assert.equal(merged.length, 20_001);
  assert.ok(Date.now() - started < 2000);
});
