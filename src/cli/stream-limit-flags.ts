// The limits of the node agent's HTTPS port (logs, exec, attach, port-forward, stats: the kubelet's
// port) as flags of `gifee agent`, and of up/server for their embedded agent: the same protections
// the API server's flags give (connection caps, a deadline for request heads and bodies, idle
// keep-alive connections closed), since every pod can reach that port. Defaults:
// DEFAULT_STREAM_LIMITS in src/agent/streams/server.ts.

import type { StreamServerLimits } from '../agent/streams/server.js';
import type { FlagTable } from './args.js';
import { count, duration } from './limit-flags.js';

export const STREAM_LIMIT_FLAG_TABLE: FlagTable = {
  'kubelet-max-connections': { type: 'string', value: 'N', help: "open connections to the agent's HTTPS port in total (default 4096; 0: no cap)" },
  'kubelet-max-connections-per-ip': { type: 'string', value: 'N', help: '... from one address (default 2048; 0: no cap)' },
  'kubelet-header-timeout': { type: 'string', value: 'D', help: 'a client of that port must send its request headers within D (default 30s)' },
  'kubelet-body-timeout': { type: 'string', value: 'D', help: '... and its whole request within D (default 1m; a stream, once in, is never cut)' },
  'kubelet-idle-timeout': { type: 'string', value: 'D', help: 'idle keep-alive connections to that port are closed after D (default 90s)' },
};

export interface StreamLimitSettings {
  streamLimits?: Partial<StreamServerLimits>;
}

export function streamLimitsOf(f: Record<string, unknown>): StreamLimitSettings {
  const limits: Partial<StreamServerLimits> = {
    maxConnections: count(f['kubelet-max-connections'], 'kubelet-max-connections'),
    maxConnectionsPerIP: count(f['kubelet-max-connections-per-ip'], 'kubelet-max-connections-per-ip'),
    headerTimeoutMs: duration(f['kubelet-header-timeout'], 'kubelet-header-timeout'),
    bodyTimeoutMs: duration(f['kubelet-body-timeout'], 'kubelet-body-timeout'),
    idleTimeoutMs: duration(f['kubelet-idle-timeout'], 'kubelet-idle-timeout'),
  };
  const given = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
  return Object.keys(given).length ? { streamLimits: given } : {};
}
