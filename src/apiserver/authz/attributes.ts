// A request's authorization attributes, from its parsed path and method (Kubernetes' RequestInfo →
// authorizer.Attributes).

import type { UserInfo } from '../context.js';
import type { RequestInfo } from '../request-info.js';
import { normalize } from '../router.js';
import type { Attributes } from './types.js';

export function attributesOf(method: string, info: RequestInfo, user: UserInfo, query?: URLSearchParams): Attributes {
  if (info.kind === 'other') {
    // Non-resource paths: the lowercased method, HEAD counted as get (as Kubernetes does).
    const m = method.toLowerCase();
    return { user, verb: m === 'head' ? 'get' : m, resourceRequest: false, path: info.path };
  }
  const r = normalize(info);
  // As Kubernetes' RequestInfo: a namespace object's own path is in that namespace, so a RoleBinding
  // there can grant reading (or finalizing) the namespace itself.
  const namespace = r.group === '' && r.resource === 'namespaces' && r.name ? r.name : r.namespace;
  // As Kubernetes' RequestInfo: a list or watch whose field selector requires one metadata.name is
  // about that object (RBAC's resourceNames and the Node authorizer read it: a kubelet watches a Secret by name).
  const name = r.name ?? ((r.verb === 'list' || r.verb === 'watch') && query ? exactNameOf(query.get('fieldSelector')) : undefined);
  return { user, verb: r.verb, resourceRequest: true, apiGroup: r.group, apiVersion: r.version, resource: r.resource, subresource: r.subresource, namespace, name };
}

/** The name a field selector requires exactly (`metadata.name=x` or `==`, among other terms); undefined when none or not a valid path segment. */
export function exactNameOf(selector: string | null): string | undefined {
  if (!selector || selector.length > 4096 || selector.includes('\\')) return undefined;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (!m) continue;
    const name = m[1];
    return name && name !== '.' && name !== '..' && !/[/%]/.test(name) ? name : undefined;
  }
  return undefined;
}
