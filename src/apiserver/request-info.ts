// Parses a request path into what it addresses, like Kubernetes' RequestInfo: which API group,
// version, namespace, resource, name and subresource, and which verb the method means there.

import { queryBool } from '../util/http/query-bool.js';
import { pathSegments } from '../util/http/request-target.js';

export interface ResourceRequest {
  kind: 'resource';
  /** '' for the core group (/api/v1). */
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** What follows a proxy subresource (`/api/v1/nodes/{name}/proxy/metrics/resource` -> "/metrics/resource"). */
  subpath?: string;
  /** get, list, watch, create, update, patch, delete, deletecollection, or the method for others. */
  verb: string;
}

export interface OtherRequest {
  kind: 'other';
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest;

/**
 * /api/v1/namespaces/{ns}/{resource}/{name}/{sub}, /apis/{group}/{version}/..., and the cluster-scoped
 * forms. `namespaces` itself is a cluster-scoped resource whose subresources (status, finalize)
 * follow its name. `isNamespaced` tells whether `namespaces/{x}` begins a namespaced path.
 */
export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  // The server rejects undecodable escapes first (request-target.ts); safeDecode keeps this function total anyway.
  const parts = pathSegments(pathname);
  let i = 0;
  let group = '';
  if (parts[0] === 'api') {
    i = 1;
  } else if (parts[0] === 'apis') {
    if (parts.length < 3) return { kind: 'other', path: pathname };
    group = parts[1];
    i = 2;
  } else {
    return { kind: 'other', path: pathname };
  }
  const version = parts[i++];
  if (!version || parts.length <= i) return { kind: 'other', path: pathname };

  let namespace: string | undefined;
  let rest = parts.slice(i);
  // namespaces/{ns}/{resource}... is a namespaced request; namespaces[/{name}[/{sub}]] addresses Namespace objects.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  // Only a proxy subresource has a path of its own after it (Kubernetes' RequestInfo keeps the rest as Parts).
  if (extra.length > 0 && subresource !== 'proxy') return { kind: 'other', path: pathname };
  const subpath = subresource === 'proxy' ? `/${extra.join('/')}` : undefined;
  // The namespace of a namespace object is itself, for routing purposes only.
  // As the parameter codec reads it: watch=True, watch=yes and a bare ?watch are watches too.
  const isWatch = queryBool(query, 'watch') === true;
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  return { kind: 'resource', group, version, namespace, resource, name, subresource, ...(subpath !== undefined ? { subpath } : {}), verb };
}
