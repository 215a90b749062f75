// Timings that tests (and impatient operators) shorten, read from GIFEE_* environment variables in
// one place, at the command line's edge, and passed down as options: no module deep inside reads
// the environment. Unset variables leave Kubernetes' defaults to the components.

import { UsageError } from './args.js';

export interface Tunables {
  /** GIFEE_JOB_BACKOFF_MS: the Job controller's first back-off after a failed pod (default 10 s). */
  jobBackoffMs?: number;
  /** GIFEE_PODGC_QUARANTINE_MS: how long a node must be gone before its pods are collected (default 40 s). */
  podgcQuarantineMs?: number;
  /** GIFEE_NODE_MONITOR_GRACE_MS: how long a node may be silent before it is NotReady/Unknown (default 40 s). */
  nodeMonitorGraceMs?: number;
  /** GIFEE_BOOKMARK_INTERVAL_MS: how often watches get a bookmark (default 30 s). */
  watchBookmarkIntervalMs?: number;
  /** GIFEE_FRESH_WAIT_MS: how long a read at a future resourceVersion waits for it (default 3 s). */
  listFreshWaitMs?: number;
  /** GIFEE_COMPACTION_INTERVAL_MS: how often the store's history is compacted when no flag says (default 5 min). */
  compactionIntervalMs?: number;
  /** GIFEE_RESTART_BACKOFF_MS: the node agent's first container restart back-off (default 10 s). */
  restartBackoffMs?: number;
  /** GIFEE_QUOTA_RESYNC_MS: how often the quota controller recounts every quota (default 5 min). */
  quotaResyncMs?: number;
  /** GIFEE_VOLUME_BIND_TIMEOUT_MS: how long the scheduler waits for a pod's claims to be Bound before retrying it (default 600 s). */
  volumeBindTimeoutMs?: number;
  /** GIFEE_METRIC_RESOLUTION_MS: how often the metrics API scrapes the nodes' /metrics/resource (metrics-server's --metric-resolution, default 15 s). */
  metricResolutionMs?: number;
  /** GIFEE_HPA_SYNC_PERIOD_MS: how often each HorizontalPodAutoscaler is reconciled (default 15 s). */
  hpaSyncPeriodMs?: number;
  /** GIFEE_HPA_DOWNSCALE_STABILIZATION_MS: the scale-down stabilization window without behavior (default 5 min). */
  hpaDownscaleStabilizationMs?: number;
  /** GIFEE_APISERVER_LEASE_DURATION_MS: how long an API server's lease keeps it in the kubernetes Service's endpoints (default 15 s). */
  apiserverLeaseDurationMs?: number;
  /** GIFEE_APISERVER_LEASE_RENEW_MS: how often each API server renews its lease and reconciles those endpoints (default 10 s). */
  apiserverLeaseRenewMs?: number;
}

const VARIABLES: Record<keyof Tunables, string> = {
  jobBackoffMs: 'GIFEE_JOB_BACKOFF_MS',
  podgcQuarantineMs: 'GIFEE_PODGC_QUARANTINE_MS',
  nodeMonitorGraceMs: 'GIFEE_NODE_MONITOR_GRACE_MS',
  watchBookmarkIntervalMs: 'GIFEE_BOOKMARK_INTERVAL_MS',
  listFreshWaitMs: 'GIFEE_FRESH_WAIT_MS',
  compactionIntervalMs: 'GIFEE_COMPACTION_INTERVAL_MS',
  restartBackoffMs: 'GIFEE_RESTART_BACKOFF_MS',
  quotaResyncMs: 'GIFEE_QUOTA_RESYNC_MS',
  volumeBindTimeoutMs: 'GIFEE_VOLUME_BIND_TIMEOUT_MS',
  metricResolutionMs: 'GIFEE_METRIC_RESOLUTION_MS',
  hpaSyncPeriodMs: 'GIFEE_HPA_SYNC_PERIOD_MS',
  hpaDownscaleStabilizationMs: 'GIFEE_HPA_DOWNSCALE_STABILIZATION_MS',
  apiserverLeaseDurationMs: 'GIFEE_APISERVER_LEASE_DURATION_MS',
  apiserverLeaseRenewMs: 'GIFEE_APISERVER_LEASE_RENEW_MS',
};

export function tunablesFromEnv(env: NodeJS.ProcessEnv = process.env): Tunables {
  const out: Tunables = {};
  for (const [key, name] of Object.entries(VARIABLES) as [keyof Tunables, string][]) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) throw new UsageError(`${name} must be a whole number of milliseconds, not "${v}"`);
    out[key] = Number(v);
  }
  return out;
}
