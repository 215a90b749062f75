// exec, attach and port-forward: the client's upgrade request (WebSocket or SPDY) is relayed to the
// node agent and, once connected, the two sockets are piped byte for byte: the agent answers the
// upgrade itself (101 or an error Status) and speaks the protocol; the API server only checks who
// may ask and where the pod is, as kube-apiserver's upgrade-aware proxy does.

import type { Duplex } from 'node:stream';
import type { RequestContext } from '../context.js';
import { ApiError, badRequest } from '../../api/errors.js';
import { kubeletClientOf } from './kubelet-client.js';
import { locatePod } from './locate.js';
import { agentPath } from './agent-paths.js';
import { relayUpgraded } from '../../util/http/relay.js';
import { admitConnect } from '../admission/connect.js';

/** Request headers never forwarded to the agent: the client's credentials and the routing. */
const DROP = new Set(['host', 'authorization', 'cookie', 'proxy-authorization']);
/** Credentials and impersonation (Impersonate-User, -Group, -Uid, -Extra-*) stay with the API server, which applied them. */
const dropped = (header: string) => DROP.has(header) || header.startsWith('impersonate-');

export function proxyUpgrade(kind: 'exec' | 'attach' | 'portForward') {
  return async (rc: RequestContext) => {
    if (!rc.req.headers.upgrade) throw badRequest(`Upgrade request required: ${kind} needs a WebSocket or SPDY/3.1 upgrade`);
    // Admission first, as Kubernetes' connect handler: a refused exec never reaches the pod lookup.
    await admitConnect(rc, kind === 'portForward' ? 'portforward' : kind);
    const loc = await locatePod(rc, kind !== 'portForward');
    const client = kubeletClientOf(rc.api);
    const path = agentPath(kind, rc.info.namespace!, rc.info.name!, loc.container, rc.query);
    const agent = await client.connect(loc.endpoint).catch((e: Error) => {
      throw new ApiError(500, 'InternalError', `error dialing backend: ${e.message} (the agent of node ${loc.node} at ${loc.endpoint.host}:${loc.endpoint.port})`);
    });
    const lines = [`${rc.req.method} ${path} HTTP/1.1`, `Host: ${loc.endpoint.host}:${loc.endpoint.port}`];
    const raw = rc.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (!dropped(raw[i].toLowerCase())) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    agent.write(lines.join('\r\n') + '\r\n\r\n');

    rc.res.detachSocket(rc.req.socket);
    relayUpgraded(rc.req.socket as Duplex, agent);
  };
}
