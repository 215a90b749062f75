// Routes a resource request to the handler for its verb and subresource, after resolving the kind.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiState, RequestContext, UserInfo } from './context.js';
export type { SubresourceHandler } from './context.js';
import { ApiError, methodNotAllowed } from '../api/errors.js';
import type { ResourceRequest } from './request-info.js';
import { subresourcesOf } from './discovery.js';
import { handleGet } from './handlers/get.js';
import { handleList } from './handlers/list.js';
import { handleWatch } from './handlers/watch.js';
import { handleCreate } from './handlers/create.js';
import { handleUpdate } from './handlers/update.js';
import { handlePatch } from './handlers/patch.js';
import { handleDelete, handleDeleteCollection } from './handlers/delete.js';
import { handleGetScale, handleWriteScale } from './handlers/scale.js';
import { warnIfDeprecated } from './deprecation.js';
import { Slicer } from '../util/event-loop-slice.js';

const notServed = (what: string) => new ApiError(404, 'NotFound', `the server could not find the requested resource (${what})`, {});

/** `/api/v1/namespaces/{name}/status|finalize` parse as a namespaced resource; map them back. */
export function normalize(info: ResourceRequest): ResourceRequest {
  if (info.group === '' && info.namespace && !info.name && (info.resource === 'status' || info.resource === 'finalize')) {
    return { ...info, resource: 'namespaces', name: info.namespace, namespace: undefined, subresource: info.resource };
  }
  return info;
}

export async function routeResource(api: ApiState, req: IncomingMessage, res: ServerResponse, url: URL, raw: ResourceRequest, user: UserInfo) {
  const info = normalize(raw);
  const def = api.registry.byResource(info.group, info.version, info.resource);
  const gvr = `${info.group ? info.group + '/' : ''}${info.version}, Resource=${info.resource}`;
  if (!def) throw notServed(gvr);
  if (!def.namespaced && info.namespace) throw notServed(`${info.resource} is cluster-scoped; drop the namespace from the path`);
  if (def.namespaced && !info.namespace && info.name) throw notServed(`${info.resource} is namespaced; the path needs /namespaces/{namespace}/`);
  if (def.namespaced && !info.namespace && info.verb === 'create') throw new ApiError(404, 'NotFound', `the server could not find the requested resource: create ${info.resource} under /namespaces/{namespace}/`, {});
  const rc: RequestContext = { api, req, res, url, query: url.searchParams, info, def, user, warnings: [], slicer: new Slicer() };
  warnIfDeprecated(rc);
  const verbs = def.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
  const sub = info.subresource;
  if (sub) {
    if (!subresourcesOf(def).includes(sub)) throw notServed(`${info.resource}/${sub}`);
    const custom = api.subresources.get(`${def.group}/${def.plural}/${sub}`);
    if (custom) return custom(rc);
    if (sub === 'status') {
      if (info.verb === 'get') return handleGet(rc);
      if (info.verb === 'update') return handleUpdate(rc);
      if (info.verb === 'patch') return handlePatch(rc);
    } else if (sub === 'scale') {
      if (info.verb === 'get') return handleGetScale(rc);
      if (info.verb === 'update') return handleWriteScale(rc, 'PUT');
      if (info.verb === 'patch') return handleWriteScale(rc, 'PATCH');
    } else if (sub === 'finalize') {
      if (info.verb === 'update') return handleUpdate(rc);
    } else {
      throw new ApiError(503, 'ServiceUnavailable', `${info.resource}/${sub} is served by the node agent, which is not running in this cluster`);
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource (${req.method} ${info.resource}/${sub})`);
  }
  if (!verbs.includes(info.verb)) throw methodNotAllowed(`the server does not allow this method on the requested resource (${info.verb} ${info.resource})`);
  const virtual = info.verb === 'create' && !info.name ? api.virtualCreates.get(`${def.group}/${def.plural}`) : undefined;
  if (virtual) return virtual(rc);
  switch (info.verb) {
    case 'get':
      return handleGet(rc);
    case 'list':
      return handleList(rc);
    case 'watch':
      if (info.name) url.searchParams.set('fieldSelector', [`metadata.name=${info.name}`, url.searchParams.get('fieldSelector')].filter(Boolean).join(','));
      return handleWatch(rc);
    case 'create':
      if (info.name) throw methodNotAllowed('POST is not allowed on a named object: POST to the collection, or PUT to replace it');
      return handleCreate(rc);
    case 'update':
      return handleUpdate(rc);
    case 'patch':
      return handlePatch(rc);
    case 'delete':
      return handleDelete(rc);
    case 'deletecollection':
      return handleDeleteCollection(rc);
    default:
      throw methodNotAllowed(`the server does not allow this method on the requested resource (${req.method})`);
  }
}
