// A request's authorization attributes, from its parsed path and method (Kubernetes' RequestInfo →
// authorizer.Attributes).

import type { UserInfo } from '../context.js';
import type { RequestInfo } from '../request-info.js';
import { normalize } from '../router.js';
import type { Attributes } from './types.js';

export function attributesOf(method: string, info: RequestInfo, user: UserInfo): Attributes {
  if (info.kind === 'other') {
    // Non-resource paths: the lowercased method, HEAD counted as get (as Kubernetes does).
    const m = method.toLowerCase();
    return { user, verb: m === 'head' ? 'get' : m, resourceRequest: false, path: info.path };
  }
  const r = normalize(info);
  // As Kubernetes' RequestInfo: a namespace object's own path is in that namespace, so a RoleBinding
  // there can grant reading (or finalizing) the namespace itself.
  const namespace = r.group === '' && r.resource === 'namespaces' && r.name ? r.name : r.namespace;
  return { user, verb: r.verb, resourceRequest: true, apiGroup: r.group, apiVersion: r.version, resource: r.resource, subresource: r.subresource, namespace, name: r.name };
}
