// pods/log: streamed from the node agent as it arrives (never buffered, so follow works); the agent's
// Status errors (waiting to start, no previous instance...) pass through with their codes.

import https from 'node:https';
import type { RequestContext } from '../context.js';
import { ApiError, methodNotAllowed } from '../../api/errors.js';
import { kubeletClientOf } from './kubelet-client.js';
import { locatePod } from './locate.js';
import { agentPath } from './agent-paths.js';

export async function handlePodLog(rc: RequestContext) {
  if (rc.info.verb !== 'get') throw methodNotAllowed('pods/log only supports GET');
  const loc = await locatePod(rc, true);
  const client = kubeletClientOf(rc.api);
  const path = agentPath('containerLogs', rc.info.namespace!, rc.info.name!, loc.container, rc.query);
  await new Promise<void>((resolve, reject) => {
    const req = https.request({ host: loc.endpoint.host, port: loc.endpoint.port, path, method: 'GET', agent: client.agent, ...client.tlsOptions(loc.endpoint) }, (res) => {
      const headers: Record<string, string> = { 'Content-Type': String(res.headers['content-type'] ?? 'text/plain') };
      rc.res.writeHead(res.statusCode ?? 502, headers);
      rc.res.flushHeaders();
      res.pipe(rc.res);
      res.once('end', resolve);
      res.once('error', () => {
        rc.res.destroy();
        resolve();
      });
      res.once('close', resolve);
    });
    // The client went away (Ctrl-C on `kubectl logs -f`): stop reading from the agent.
    rc.res.once('close', () => req.destroy());
    req.once('error', (e) => {
      if (rc.res.headersSent) {
        rc.res.destroy();
        return resolve();
      }
      reject(new ApiError(500, 'InternalError', `error dialing backend: ${e.message} (the agent of node ${loc.node} at ${loc.endpoint.host}:${loc.endpoint.port})`));
    });
    req.end();
  });
}
