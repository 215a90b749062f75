// One HTTPS request to a node agent with the API server's kubelet-client certificate, its answer
// streamed to the client as it arrives (never buffered: `kubectl logs -f` and metrics scrapes both
// rely on it). The agent's status code and chosen headers pass through; a client that goes away
// stops the agent's request; failing to reach the agent is the caller's ApiError.

import https from 'node:https';
import type { ApiError } from '../../api/errors.js';
import type { RequestContext } from '../context.js';
import { type KubeletEndpoint, kubeletClientOf } from './kubelet-client.js';

export interface AgentRequest {
  endpoint: KubeletEndpoint;
  path: string;
  method: string;
  /** The response headers of the agent passed on, and a default for each when the agent sent none. */
  headers: Record<string, string | undefined>;
  /** The error to answer when the agent cannot be reached (before any byte was sent). */
  unreachable(e: Error): ApiError;
}

export function relayAgentRequest(rc: RequestContext, r: AgentRequest): Promise<void> {
  const client = kubeletClientOf(rc.api);
  return new Promise<void>((resolve, reject) => {
    const req = https.request({ host: r.endpoint.host, port: r.endpoint.port, path: r.path, method: r.method, agent: client.agent, ...client.tlsOptions(r.endpoint) }, (res) => {
      const headers: Record<string, string> = {};
      for (const [h, fallback] of Object.entries(r.headers)) {
        const v = res.headers[h] ?? fallback;
        if (v !== undefined) headers[h] = String(v);
      }
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
      reject(r.unreachable(e));
    });
    req.end();
  });
}
