// The DefaultStorageClass admission plugin: new claims without a class get the default one (the
// newest when several are marked, the beta annotation counting too), never when they name one,
// even "", or carry the beta class annotation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import type { ApiState, RequestContext } from '../context.js';
import type { AdmissionRequest } from './chain.js';
import { defaultStorageClassAdmission, pickDefaultStorageClass } from './default-storage-class.js';

const sc = (name: string, created: string, annotations?: Record<string, string>): KObject => ({ metadata: { name, creationTimestamp: created, ...(annotations ? { annotations } : {}) }, provisioner: 'p.example.com' });
const isDefault = { 'storageclass.kubernetes.io/is-default-class': 'true' };

let stored: KObject[] = [];
const state = {
  registry: { byResource: () => ({ group: 'storage.k8s.io', plural: 'storageclasses' }) },
  objects: () => ({ list: async () => ({ items: stored, revision: 1 }) }),
} as unknown as ApiState;
const plugin = defaultStorageClassAdmission(state);
const rc = { def: { group: '', plural: 'persistentvolumeclaims' } } as unknown as RequestContext;
const claim = (spec: Record<string, unknown>, annotations?: Record<string, string>): AdmissionRequest => ({
  rc,
  operation: 'CREATE',
  obj: { metadata: { name: 'data', ...(annotations ? { annotations } : {}) }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } },
  subresource: '',
  dryRun: false,
});
const classAfter = async (a: AdmissionRequest) => {
  await plugin.mutate!(a);
  return (a.obj!.spec as { storageClassName?: string | null }).storageClassName;
};

test('the default class: the newest marked one, either annotation', () => {
  assert.equal(pickDefaultStorageClass([sc('a', '2024-01-01T00:00:00Z')]), undefined);
  assert.equal(pickDefaultStorageClass([sc('old', '2024-01-01T00:00:00Z', isDefault), sc('new', '2024-03-01T00:00:00Z', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' })])?.metadata?.name, 'new');
  assert.equal(pickDefaultStorageClass([sc('b', '2024-01-01T00:00:00Z', isDefault), sc('a', '2024-01-01T00:00:00Z', isDefault)])?.metadata?.name, 'a');
});

test('new claims without a class get the default one', async () => {
  stored = [sc('standard', '2024-01-01T00:00:00Z', isDefault), sc('fast', '2024-01-01T00:00:00Z')];
  assert.equal(await classAfter(claim({})), 'standard');
  assert.equal(await classAfter(claim({ storageClassName: 'fast' })), 'fast');
  assert.equal(await classAfter(claim({ storageClassName: '' })), '', '"" asks for no class');
  assert.equal(await classAfter(claim({}, { 'volume.beta.kubernetes.io/storage-class': 'fast' })), undefined);
  stored = [sc('fast', '2024-01-01T00:00:00Z')];
  assert.equal(await classAfter(claim({})), undefined);
  assert.ok(!plugin.handles({ ...claim({}), operation: 'UPDATE' }));
});
