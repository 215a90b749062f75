// The API server's client limits as flags of `gifee server` and `gifee up` (Kubernetes' names where it
// has the flag): timeouts for slow clients and requests, connection caps, in-flight request caps.

import type { ApiServerLimits } from '../apiserver/limits/options.js';
import { type FlagTable, parseDuration, UsageError } from './args.js';

export const LIMIT_FLAG_TABLE: FlagTable = {
  'request-timeout': { type: 'string', value: 'D', help: 'answer a request that is not long-running (watch, logs, exec...) with 504 after D', default: '1m' },
  'max-requests-inflight': { type: 'string', value: 'N', help: 'read-only requests served at once, then 429 (default 400; 0: no cap)' },
  'max-mutating-requests-inflight': { type: 'string', value: 'N', help: 'writes served at once, then 429 (default 200; 0: no cap)' },
  'max-connections': { type: 'string', value: 'N', help: 'open connections in total (default 8192; 0: no cap)' },
  'max-connections-per-ip': { type: 'string', value: 'N', help: 'open connections from one address (default 2048; 0: no cap)' },
  'header-timeout': { type: 'string', value: 'D', help: 'a client must send its request headers within D', default: '30s' },
  'body-timeout': { type: 'string', value: 'D', help: '... and its whole request, body included, within D', default: '1m' },
  'idle-timeout': { type: 'string', value: 'D', help: 'idle keep-alive connections are closed after D', default: '90s' },
};

/** A whole-number flag (0: no limit), undefined when not given. */
export function count(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} must be a whole number (0 for no limit), not "${String(v)}"`);
  return n;
}

/** A duration flag (5s, 1m30s), undefined when not given. */
export const duration = (v: unknown, flag: string) => (v === undefined ? undefined : parseDuration(String(v), flag));

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
