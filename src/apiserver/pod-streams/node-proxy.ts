// nodes/proxy: `GET /api/v1/nodes/{name}/proxy/{path}` relayed to the node's agent with the API
// server's kubelet-client certificate, as kube-apiserver does: what `kubectl get --raw
// /api/v1/nodes/N/proxy/metrics/resource` and Prometheus's usual kubelet and cAdvisor scrape
// configurations read. RBAC asked for get on nodes/proxy before this runs; the agent then
// authorizes the API server's identity for the path. Reads only: the agent's exec, attach and
// port-forward are reached through the pods' own subresources.

import https from 'node:https';
import type { RequestContext } from '../context.js';
import { ApiError, methodNotAllowed } from '../../api/errors.js';
import { kubeletClientOf } from './kubelet-client.js';
import { nodeEndpoint } from './locate.js';

export async function handleNodeProxy(rc: RequestContext) {
  if (rc.req.method !== 'GET' && rc.req.method !== 'HEAD') throw methodNotAllowed(`nodes/proxy is served for GET and HEAD only (${rc.req.method})`);
  const node = rc.info.name!;
  // Existence first: a Node that is not there is a 404 like any other get.
  await rc.api.objects(rc.def).mustGet(undefined, node);
  const endpoint = await nodeEndpoint(rc, node);
  const client = kubeletClientOf(rc.api);
  const search = rc.url.search;
  const path = `${(rc.info.subpath ?? '/').replace(/^\/*/, '/')}${search}`;
  await new Promise<void>((resolve, reject) => {
    const req = https.request({ host: endpoint.host, port: endpoint.port, path, method: rc.req.method, agent: client.agent, ...client.tlsOptions(endpoint) }, (res) => {
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'content-encoding']) if (res.headers[h]) headers[h] = String(res.headers[h]);
      rc.res.writeHead(res.statusCode ?? 502, headers);
      res.pipe(rc.res);
      res.once('end', resolve);
      res.once('error', () => {
        rc.res.destroy();
        resolve();
      });
      res.once('close', resolve);
    });
    rc.res.once('close', () => req.destroy());
    req.once('error', (e) => {
      if (rc.res.headersSent) {
        rc.res.destroy();
        return resolve();
      }
      reject(new ApiError(503, 'ServiceUnavailable', `error trying to reach node ${node}: ${e.message}`));
    });
    req.end();
  });
}
