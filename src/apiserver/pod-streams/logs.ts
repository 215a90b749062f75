// pods/log: streamed from the node agent as it arrives (never buffered, so follow works); the agent's
// Status errors (waiting to start, no previous instance...) pass through with their codes.

import type { RequestContext } from '../context.js';
import { ApiError, methodNotAllowed } from '../../api/errors.js';
import { relayAgentRequest } from './agent-request.js';
import { locatePod } from './locate.js';
import { agentPath } from './agent-paths.js';

export async function handlePodLog(rc: RequestContext) {
  if (rc.info.verb !== 'get') throw methodNotAllowed('pods/log only supports GET');
  const loc = await locatePod(rc, true);
  const path = agentPath('containerLogs', rc.info.namespace!, rc.info.name!, loc.container, rc.query);
  await relayAgentRequest(rc, {
    endpoint: loc.endpoint,
    path,
    method: 'GET',
    headers: { 'content-type': 'text/plain' },
    unreachable: (e) => new ApiError(500, 'InternalError', `error dialing backend: ${e.message} (the agent of node ${loc.node} at ${loc.endpoint.host}:${loc.endpoint.port})`),
  });
}
