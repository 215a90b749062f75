// Namespace lifecycle admission: objects can only be created in a namespace that exists and is not
// being deleted (so a namespace being emptied cannot be refilled behind the controller's back).

import type { KindDef, KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { namespaceTerminating, notFound } from '../../api/errors.js';
import { requestNamespace } from '../namespace-read.js';

export function namespaceKind(rc: RequestContext): KindDef | undefined {
  return rc.api.registry.byResource('', 'v1', 'namespaces');
}

export async function checkNamespaceAcceptsCreates(rc: RequestContext, name: string) {
  if (!rc.def.namespaced) return;
  const ns = rc.info.namespace;
  const nsDef = namespaceKind(rc);
  if (!ns || !nsDef) return;
  const found = await requestNamespace(rc, ns);
  if (!found) throw notFound({ group: '', resource: 'namespaces' }, ns);
  const obj = found as KObject & { status?: { phase?: string } };
  if (obj.metadata?.deletionTimestamp || obj.status?.phase === 'Terminating') {
    throw namespaceTerminating({ group: rc.def.group, resource: rc.def.plural }, name, ns);
  }
}
