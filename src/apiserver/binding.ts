// pods/binding: the scheduler's way to put a pod on a node. Sets spec.nodeName once; a pod that is
// already bound (or being deleted) cannot be bound again.

import type { KObject } from '../api/kind.js';
import type { RequestContext } from './context.js';
import { checkTypeMeta, prepareForUpdate } from './prepare.js';
import { decodeBody, readBody } from './body.js';
import { badRequest, conflict } from '../api/errors.js';
import { sendJson, successStatus } from './respond.js';
import { updateWithRetry } from './handlers/persist.js';
import { subresourceHandlers } from './router.js';

type Condition = { type?: string; status?: string; lastTransitionTime?: string };

/**
 * The status of a pod just bound: PodScheduled=True, replacing whatever PodScheduled said before
 * (Unschedulable, SchedulingGated), its transition time kept only if it already was True; as
 * Kubernetes' binding storage does.
 */
export function scheduledStatus(status: unknown): Record<string, unknown> {
  const st = status && typeof status === 'object' && !Array.isArray(status) ? { ...(status as Record<string, unknown>) } : {};
  const conditions = Array.isArray(st.conditions) ? (st.conditions as Condition[]) : [];
  const old = conditions.find((c) => c?.type === 'PodScheduled');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: old?.status === 'True' ? (old.lastTransitionTime ?? now) : now };
  st.conditions = old ? conditions.map((c) => (c === old ? cond : c)) : [...conditions, cond];
  return st;
}

export async function handleBinding(rc: RequestContext) {
  if (rc.info.verb !== 'create') throw badRequest('pods/binding only accepts POST of a Binding');
  const { value } = decodeBody(await readBody(rc.req), rc.req.headers['content-type']);
  const binding = value as { kind?: string; metadata?: { name?: string }; target?: { kind?: string; name?: string } };
  if (binding?.kind && binding.kind !== 'Binding') throw badRequest(`expected a Binding, got ${binding.kind}`);
  const node = binding?.target?.name;
  if (!node) throw badRequest('target.name (the node) is required in a Binding');
  if (binding.metadata?.name && binding.metadata.name !== rc.info.name) throw badRequest('the Binding name must be the pod name');
  const ref = { group: '', resource: 'pods' };
  await updateWithRetry(rc, (pod: KObject) => {
    const spec = pod.spec as { nodeName?: string };
    if (pod.metadata?.deletionTimestamp) throw conflict(ref, rc.info.name!, 'pod is being deleted, cannot be assigned to a host');
    if (spec.nodeName) throw conflict(ref, rc.info.name!, `pod ${rc.info.name} is already assigned to node "${spec.nodeName}"`);
    // A scheduling gate holds the pod back from every scheduler, and from binding by hand too.
    const gates = (pod.spec as { schedulingGates?: unknown }).schedulingGates;
    if (Array.isArray(gates) && gates.length > 0) throw conflict(ref, rc.info.name!, `pod ${rc.info.name} has non-empty .spec.schedulingGates`);
    const next = structuredClone(pod);
    (next.spec as { nodeName?: string }).nodeName = node;
    const prepared = prepareForUpdate({ ...rc, def: rc.def }, pod, checkTypeMeta(rc.def, next), { subresource: 'binding' });
    if (prepared) prepared.status = scheduledStatus(prepared.status);
    return prepared;
  });
  sendJson(rc.res, 201, successStatus({}));
}

subresourceHandlers.set('/pods/binding', handleBinding);
