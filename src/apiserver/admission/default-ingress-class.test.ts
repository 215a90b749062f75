// The DefaultIngressClass admission plugin: new Ingresses without a class get the default one (the
// newest when several are marked), never when they name one or carry the class annotation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import type { ApiState, RequestContext } from '../context.js';
import type { AdmissionRequest } from './chain.js';
import { defaultIngressClassAdmission, pickDefaultIngressClass } from './default-ingress-class.js';

const cls = (name: string, created: string, isDefault?: string): KObject => ({
  metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': isDefault } } : {}) },
  spec: { controller: 'example.com/ingress' },
});

let stored: KObject[] = [];
const state = {
  registry: { byResource: () => ({ group: 'networking.k8s.io', plural: 'ingressclasses' }) },
  objects: () => ({ list: async () => ({ items: stored, revision: 1 }) }),
} as unknown as ApiState;
const plugin = defaultIngressClassAdmission(state);
const rc = { def: { group: 'networking.k8s.io', plural: 'ingresses' } } as unknown as RequestContext;
const request = (spec: Record<string, unknown>, annotations?: Record<string, string>): AdmissionRequest => ({
  rc,
  operation: 'CREATE',
  obj: { metadata: { name: 'web', ...(annotations ? { annotations } : {}) }, spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, ...spec } },
  subresource: '',
  dryRun: false,
});
const classAfter = async (a: AdmissionRequest) => {
  await plugin.mutate!(a);
  return (a.obj!.spec as { ingressClassName?: string }).ingressClassName;
};

test('the default class is chosen: the newest of several, the first name on a tie', () => {
  assert.equal(pickDefaultIngressClass([cls('a', '2024-01-01T00:00:00Z'), cls('b', '2024-01-01T00:00:00Z', 'false')]), undefined);
  assert.equal(pickDefaultIngressClass([cls('a', '2024-01-01T00:00:00Z', 'true'), cls('b', '2024-01-01T00:00:00Z')])?.metadata?.name, 'a');
  assert.equal(pickDefaultIngressClass([cls('old', '2024-01-01T00:00:00Z', 'true'), cls('new', '2024-02-01T00:00:00Z', 'true')])?.metadata?.name, 'new');
  assert.equal(pickDefaultIngressClass([cls('b', '2024-01-01T00:00:00Z', 'true'), cls('a', '2024-01-01T00:00:00Z', 'true')])?.metadata?.name, 'a');
});

test('new Ingresses without a class get the default one', async () => {
  stored = [cls('gifee', '2024-01-01T00:00:00Z', 'true'), cls('other', '2024-01-01T00:00:00Z')];
  assert.equal(await classAfter(request({})), 'gifee');
  assert.equal(await classAfter(request({ ingressClassName: 'other' })), 'other', 'a class named stays');
  assert.equal(await classAfter(request({}, { 'kubernetes.io/ingress.class': 'nginx' })), undefined, 'the annotation counts as a class');
  stored = [cls('other', '2024-01-01T00:00:00Z')];
  assert.equal(await classAfter(request({})), undefined, 'no default: no class');
  assert.ok(plugin.handles(request({})));
  assert.ok(!plugin.handles({ ...request({}), operation: 'UPDATE' }), 'updates are left alone');
  assert.ok(!plugin.handles({ ...request({}), subresource: 'status' }));
});
