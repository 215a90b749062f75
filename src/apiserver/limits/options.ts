// The API server's limits on clients: timeouts, connection caps and in-flight request caps, with
// Kubernetes' defaults where it has them (--request-timeout 1m, --max-requests-inflight 400,
// --max-mutating-requests-inflight 200). Every field may be given alone; 0 disables a limit.

import { DEFAULT_READ_TIMEOUTS, type ReadTimeouts } from '../../util/http/server-timeouts.js';
import type { ConnectionLimits } from '../../util/http/connection-limits.js';
import type { InflightLimits } from './inflight.js';

export interface ApiServerLimits extends ReadTimeouts, ConnectionLimits, InflightLimits {
  /** Non-long-running requests not answered in this time get 504 Timeout (default 60 s). */
  requestTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: ApiServerLimits = {
  ...DEFAULT_READ_TIMEOUTS,
  requestTimeoutMs: 60_000,
  maxReadOnly: 400,
  maxMutating: 200,
  // Kubernetes has no connection caps; these only stop one client from using up the process's file
  // descriptors. Loopback clients are counted too, and a benchmark holds 1,000 watches from one address.
  maxConnections: 8192,
  maxConnectionsPerIP: 2048,
};

export function resolveApiLimits(given: Partial<ApiServerLimits> | undefined): ApiServerLimits {
  const out = { ...DEFAULT_API_LIMITS };
  for (const [k, v] of Object.entries(given ?? {})) if (typeof v === 'number' && Number.isFinite(v) && v >= 0) (out as Record<string, number>)[k] = v;
  return out;
}
