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
    const next = structuredClone(pod);
    (next.spec as { nodeName?: string }).nodeName = node;
    return prepareForUpdate({ ...rc, def: rc.def }, pod, checkTypeMeta(rc.def, next), { subresource: 'binding' });
  });
  sendJson(rc.res, 201, successStatus({}));
}

subresourceHandlers.set('/pods/binding', handleBinding);
