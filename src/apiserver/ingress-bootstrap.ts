// The IngressClass a fresh cluster starts with: `gifee`, served by the ingress controller in every
// node agent (src/agent/ingress), marked default so an Ingress that names no class is served.
// Created when missing, never updated (as the default StorageClass, storage-bootstrap.ts): an
// administrator may unmark it or delete it; a class recreated after a deletion is not marked default
// when another class already is.

import { rfc3339 } from '../util/time.js';
import { randomUUID } from 'node:crypto';
import { defaultObject } from '../api/defaults.js';
import type { KObject } from '../api/kind.js';
import { GIFEE_INGRESS_CLASS, GIFEE_INGRESS_CONTROLLER } from '../api/auth/ingress-controller.js';
import { DEFAULT_INGRESS_CLASS_ANNOTATION, isDefaultIngressClass } from '../api/kinds/networking/ingressclass.js';
import type { ApiState } from './context.js';

export async function ensureDefaultIngressClass(state: ApiState): Promise<boolean> {
  const def = state.registry.byResource('networking.k8s.io', 'v1', 'ingressclasses');
  if (!def) return false;
  const objects = state.objects(def);
  if (await objects.get(undefined, GIFEE_INGRESS_CLASS)) return false;
  const otherDefault = (await objects.list(undefined)).items.some((o) => isDefaultIngressClass(o));
  const obj: KObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name: GIFEE_INGRESS_CLASS,
      uid: randomUUID(),
      creationTimestamp: rfc3339(),
      labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' },
      annotations: otherDefault ? {} : ({ [DEFAULT_INGRESS_CLASS_ANNOTATION]: 'true' } as Record<string, string>),
    },
    spec: { controller: GIFEE_INGRESS_CONTROLLER },
  };
  defaultObject(def, obj);
  try {
    await objects.create(obj);
    state.log.info('created the default IngressClass', { name: GIFEE_INGRESS_CLASS });
    return true;
  } catch (e) {
    if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    return false;
  }
}

/** A post-start hook (before /readyz says ok), retried like the others. */
export function installIngressBootstrap(state: ApiState) {
  state.postStartHooks.push({
    name: 'networking/bootstrap-default-ingress-class',
    run: async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await ensureDefaultIngressClass(state);
          return;
        } catch (e) {
          if (attempt >= 5) throw e;
          state.log.warn('could not create the default IngressClass; retrying', { attempt, err: e instanceof Error ? e.message : String(e) });
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    },
  });
}
