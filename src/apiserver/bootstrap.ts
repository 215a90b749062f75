// Objects every cluster starts with: the default, kube-system, kube-public and kube-node-lease
// namespaces. Created through the same storage path as API writes, idempotently, at every start.

import { randomUUID } from 'node:crypto';
import type { KObject } from '../api/kind.js';
import { defaultObject } from '../api/defaults.js';
import type { ApiState } from './context.js';
import { nowSeconds } from './prepare.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrapObjects(state: ApiState) {
  const nsDef = state.registry.byResource('', 'v1', 'namespaces');
  if (!nsDef) return;
  const objects = state.objects(nsDef);
  for (const name of SYSTEM_NAMESPACES) {
    if (await objects.get(undefined, name)) continue;
    const ns: KObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: randomUUID(), creationTimestamp: nowSeconds(), labels: { 'kubernetes.io/metadata.name': name } },
    };
    defaultObject(nsDef, ns);
    try {
      await objects.create(ns);
      state.log.info('created namespace', { name });
    } catch (e) {
      // Another API server on the same store created it first.
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
  }
}
