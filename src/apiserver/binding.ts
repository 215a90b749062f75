// Binding a pod to a node, the scheduler's way to place it: the pods/binding subresource
// (POST .../pods/{name}/binding) and the older top-level resource (POST .../namespaces/{ns}/bindings,
// metadata.name naming the pod). Both set spec.nodeName once; a pod that is already bound (or being
// deleted) cannot be bound again.

import type { Pod } from '../api/core/index.js';
import { rfc3339 } from '../util/time.js';
import type { KObject } from '../api/kind.js';
import type { RequestContext } from './context.js';
import { checkTypeMeta, isDryRun, prepareForUpdate } from './prepare.js';
import { decodeBody, readBody } from './body.js';
import { ApiError, badRequest, conflict, fieldErr, invalid } from '../api/errors.js';
import { sendJson, successStatus } from './respond.js';
import { updateWithRetry } from './handlers/persist.js';
import { checkDNSSubdomain } from '../api/kinds/workloads/checks.js';
import { cloneJson } from '../util/clone-json.js';

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
  const now = rfc3339();
  const cond = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: old?.status === 'True' ? (old.lastTransitionTime ?? now) : now };
  st.conditions = old ? conditions.map((c) => (c === old ? cond : c)) : [...conditions, cond];
  return st;
}

interface BindingBody {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  target?: { kind?: string; name?: string };
}

async function readBinding(rc: RequestContext): Promise<BindingBody> {
  // The Binding kind's schema lets Go binders send it as protobuf (kube-scheduler does).
  const schema = rc.api.registry.byResource('', 'v1', 'bindings')?.schema;
  const { value } = decodeBody(await readBody(rc.req), rc.req.headers['content-type'], schema);
  const binding = (value ?? {}) as BindingBody;
  if (typeof binding !== 'object' || Array.isArray(binding)) throw badRequest('the request body must be a Binding');
  if (binding.kind && binding.kind !== 'Binding') throw badRequest(`expected a Binding, got ${binding.kind}`);
  return binding;
}

/** Sets spec.nodeName of the pod rc names (rc targets pods/binding), then answers 201 Success. */
async function bindPod(rc: RequestContext, binding: BindingBody) {
  const node = binding.target?.name;
  if (!node || typeof node !== 'string') throw badRequest('target.name (the node) is required in a Binding');
  const ref = { group: '', resource: 'pods' };
  const dryRun = isDryRun(rc);
  await updateWithRetry(
    rc,
    async (pod: KObject) => {
      const spec = (pod as Pod).spec!;
      if (pod.metadata?.deletionTimestamp) throw conflict(ref, rc.info.name!, 'pod is being deleted, cannot be assigned to a host');
      if (spec.nodeName) throw conflict(ref, rc.info.name!, `pod ${rc.info.name} is already assigned to node "${spec.nodeName}"`);
      // A scheduling gate holds the pod back from every scheduler, and from binding by hand too.
      const gates = spec.schedulingGates;
      if (Array.isArray(gates) && gates.length > 0) throw conflict(ref, rc.info.name!, `pod ${rc.info.name} has non-empty .spec.schedulingGates`);
      const next = cloneJson(pod);
      (next as Pod).spec!.nodeName = node;
      const prepared = await prepareForUpdate({ ...rc, def: rc.def }, pod, checkTypeMeta(rc.def, next), { subresource: 'binding' });
      if (prepared) prepared.status = scheduledStatus(prepared.status);
      return prepared;
    },
    undefined,
    { dryRun },
  );
  sendJson(rc.res, 201, successStatus({}));
}

export async function handleBinding(rc: RequestContext) {
  if (rc.info.verb !== 'create') throw badRequest('pods/binding only accepts POST of a Binding');
  const binding = await readBinding(rc);
  if (binding.metadata?.name && binding.metadata.name !== rc.info.name) throw badRequest('the Binding name must be the pod name');
  await bindPod(rc, binding);
}

/**
 * POST .../namespaces/{ns}/bindings: authorized as `create bindings`, then the same as pods/binding
 * for the pod metadata.name names (admission sees it as pods/binding, as Kubernetes' BindingREST
 * is the pods storage's).
 */
export async function handleTopLevelBinding(rc: RequestContext) {
  const binding = await readBinding(rc);
  const name = binding.metadata?.name;
  if (!name || typeof name !== 'string') throw invalid('Binding', '', '', [fieldErr.required('metadata.name', 'name or generateName is required')]);
  // The name becomes a store key: only what a pod may be named.
  const nameErrors = checkDNSSubdomain('metadata.name', name);
  if (nameErrors.length) throw invalid('Binding', '', name, nameErrors);
  if (binding.metadata?.namespace && binding.metadata.namespace !== rc.info.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const pods = rc.api.registry.byResource('', 'v1', 'pods');
  if (!pods) throw new ApiError(404, 'NotFound', 'pods are not served', {});
  await bindPod({ ...rc, def: pods, info: { ...rc.info, resource: 'pods', name, subresource: 'binding' } }, binding);
}
