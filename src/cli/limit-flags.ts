// The API server's client limits as flags of `gifee server` and `gifee up` (Kubernetes' names where it
// has the flag): timeouts for slow clients and requests, connection caps, in-flight request caps.

import type { ApiServerLimits } from '../apiserver/limits/options.js';
import { parseDuration, UsageError } from './args.js';

export const limitFlags = {
  'request-timeout': { type: 'string' },
  'max-requests-inflight': { type: 'string' },
  'max-mutating-requests-inflight': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-connections-per-ip': { type: 'string' },
  'header-timeout': { type: 'string' },
  'body-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
} as const;

export const LIMIT_FLAGS_HELP = `  --request-timeout D       answer a request that is not long-running (watch, logs, exec...) with 504 after D (default 1m)
  --max-requests-inflight N  read-only requests served at once, then 429 (default 400; 0: no cap)
  --max-mutating-requests-inflight N  writes served at once, then 429 (default 200; 0: no cap)
  --max-connections N       open connections in total (default 8192; 0: no cap)
  --max-connections-per-ip N  open connections from one address (default 2048; 0: no cap)
  --header-timeout D        a client must send its request headers within D (default 30s)
  --body-timeout D          ... and its whole request, body included, within D (default 1m)
  --idle-timeout D          idle keep-alive connections are closed after D (default 90s)`;

function count(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} must be a whole number (0 for no limit), not "${String(v)}"`);
  return n;
}

const duration = (v: unknown, flag: string) => (v === undefined ? undefined : parseDuration(String(v), flag));

/** The limits given on the command line; the API server defaults the rest. */
export function limitsOf(f: Record<string, unknown>): Partial<ApiServerLimits> {
  const out: Partial<ApiServerLimits> = {
    requestTimeoutMs: duration(f['request-timeout'], 'request-timeout'),
    maxReadOnly: count(f['max-requests-inflight'], 'max-requests-inflight'),
    maxMutating: count(f['max-mutating-requests-inflight'], 'max-mutating-requests-inflight'),
    maxConnections: count(f['max-connections'], 'max-connections'),
    maxConnectionsPerIP: count(f['max-connections-per-ip'], 'max-connections-per-ip'),
    headerTimeoutMs: duration(f['header-timeout'], 'header-timeout'),
    bodyTimeoutMs: duration(f['body-timeout'], 'body-timeout'),
    idleTimeoutMs: duration(f['idle-timeout'], 'idle-timeout'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
