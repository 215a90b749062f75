// nodes/proxy: `GET /api/v1/nodes/{name}/proxy/{path}` relayed to the node's agent with the API
// server's kubelet-client certificate, as kube-apiserver does: what `kubectl get --raw
// /api/v1/nodes/N/proxy/metrics/resource` and Prometheus's usual kubelet and cAdvisor scrape
// configurations read. RBAC asked for get on nodes/proxy before this runs; the agent then
// authorizes the API server's identity for the path. Reads only: the agent's exec, attach and
// port-forward are reached through the pods' own subresources.

import type { RequestContext } from '../context.js';
import { ApiError, methodNotAllowed } from '../../api/errors.js';
import { relayAgentRequest } from './agent-request.js';
import { nodeEndpoint } from './locate.js';

export async function handleNodeProxy(rc: RequestContext) {
  if (rc.req.method !== 'GET' && rc.req.method !== 'HEAD') throw methodNotAllowed(`nodes/proxy is served for GET and HEAD only (${rc.req.method})`);
  const node = rc.info.name!;
  // Existence first: a Node that is not there is a 404 like any other get.
  await rc.api.objects(rc.def).mustGet(undefined, node);
  const endpoint = await nodeEndpoint(rc, node);
  const path = `${(rc.info.subpath ?? '/').replace(/^\/*/, '/')}${rc.url.search}`;
  await relayAgentRequest(rc, {
    endpoint,
    path,
    method: rc.req.method,
    headers: { 'content-type': undefined, 'content-encoding': undefined },
    unreachable: (e) => new ApiError(503, 'ServiceUnavailable', `error trying to reach node ${node}: ${e.message}`),
  });
}
