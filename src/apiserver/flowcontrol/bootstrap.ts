// API Priority and Fairness' configuration bootstrap, run at every server start as Kubernetes' apf
// bootstrap does: the mandatory objects are created or restored to their spec; the suggested ones
// are created when missing and updated only while annotated apf.kubernetes.io/autoupdate-spec=true
// (a user who changed one sets it to false, or removes it, to keep the change).
// The objects are only stored and served: this server does not queue requests by them.

import { rfc3339 } from '../../util/time.js';
import { randomUUID } from 'node:crypto';
import type { KindDef, KObject } from '../../api/kind.js';
import type { ApiState } from '../context.js';
import { defaultObject } from '../../api/defaults.js';
import { deepEqual } from '../../util/equal.js';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS, SUGGESTED_FLOW_SCHEMAS, SUGGESTED_PRIORITY_LEVELS } from './defaults.js';

export const AUTO_UPDATE_ANNOTATION = 'apf.kubernetes.io/autoupdate-spec';
const GROUP = 'flowcontrol.apiserver.k8s.io';

async function ensure(state: ApiState, def: KindDef, wanted: KObject, mandatory: boolean) {
  const objects = state.objects(def);
  const name = wanted.metadata!.name!;
  const desired = structuredClone(wanted);
  defaultObject(def, desired);
  const cur = await objects.get(undefined, name);
  if (!cur) {
    const now = rfc3339();
    desired.metadata = { name, uid: randomUUID(), creationTimestamp: now, generation: 1, annotations: { [AUTO_UPDATE_ANNOTATION]: 'true' } };
    try {
      await objects.create(desired);
    } catch (e) {
      // Another server of the same cluster created it first.
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
    return;
  }
  // The exempt level's concurrency settings are the administrator's to tune (Kubernetes keeps them).
  if (def.kind === 'PriorityLevelConfiguration' && name === 'exempt') {
    const spec = cur.obj.spec as { exempt?: unknown } | undefined;
    if (spec?.exempt) (desired.spec as { exempt?: unknown }).exempt = structuredClone(spec.exempt);
  }
  const annotation = cur.obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION];
  // Mandatory objects always carry Kubernetes' spec; suggested ones only while they ask for it.
  if (!mandatory && annotation !== 'true') return;
  if (deepEqual(cur.obj.spec, desired.spec) && annotation === 'true') return;
  await objects.guaranteedUpdate(undefined, name, (obj) => {
    if (deepEqual(obj.spec, desired.spec) && obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION] === 'true') return null;
    const specChanged = !deepEqual(obj.spec, desired.spec);
    obj.spec = structuredClone(desired.spec);
    obj.metadata!.annotations = { ...(obj.metadata!.annotations ?? {}), [AUTO_UPDATE_ANNOTATION]: 'true' };
    if (specChanged) obj.metadata!.generation = (obj.metadata!.generation ?? 1) + 1;
    return obj;
  });
}

/** Creates or restores the APF configuration objects. */
export async function reconcileFlowcontrolBootstrap(state: ApiState) {
  const fs = state.registry.byResource(GROUP, 'v1', 'flowschemas');
  const pl = state.registry.byResource(GROUP, 'v1', 'prioritylevelconfigurations');
  if (!fs || !pl) return;
  // Concurrently: the store commits the writes together (one durable flush for many objects).
  await Promise.all([...MANDATORY_PRIORITY_LEVELS.map((o) => ensure(state, pl, o, true)), ...SUGGESTED_PRIORITY_LEVELS.map((o) => ensure(state, pl, o, false))]);
  await Promise.all([...MANDATORY_FLOW_SCHEMAS.map((o) => ensure(state, fs, o, true)), ...SUGGESTED_FLOW_SCHEMAS.map((o) => ensure(state, fs, o, false))]);
}

/** Registers the bootstrap as a post-start hook (before /readyz says ok), retried like the RBAC one. */
export function installFlowcontrolBootstrap(state: ApiState) {
  state.postStartHooks.push({
    name: 'apiserver/bootstrap-system-flowcontrol-configuration',
    run: async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await reconcileFlowcontrolBootstrap(state);
          return;
        } catch (e) {
          if (attempt >= 5) throw e;
          state.log.warn('could not reconcile the flowcontrol bootstrap configuration; retrying', { attempt, err: e instanceof Error ? e.message : String(e) });
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    },
  });
}
