// Metrics and autoscaling flags of `gifee server` and `gifee up`, under the names Kubernetes gives
// them: metrics-server's --metric-resolution (gifee's built-in metrics.k8s.io scrapes the nodes
// that often) and kube-controller-manager's --horizontal-pod-autoscaler-* (the HPA controller).
// A flag wins over the GIFEE_* variable of the same timing (tunables.ts); unset, both leave
// Kubernetes' defaults to the components.

import { type FlagTable, parseDuration, UsageError } from './args.js';

export const AUTOSCALING_FLAG_TABLE: FlagTable = {
  'metric-resolution': { type: 'string', value: 'D', help: "how often the built-in metrics.k8s.io scrapes the nodes' /metrics/resource\n(metrics-server's flag; at least 1s)", default: '15s' },
  'horizontal-pod-autoscaler-sync-period': { type: 'string', value: 'D', help: 'how often each HorizontalPodAutoscaler is reconciled', default: '15s' },
  'horizontal-pod-autoscaler-tolerance': { type: 'string', value: 'F', help: 'how far from 1.0 the ratio of current to target must be before scaling', default: '0.1' },
  'horizontal-pod-autoscaler-downscale-stabilization': { type: 'string', value: 'D', help: 'scale-down window of an HPA without behavior: the highest\nrecommendation within it wins', default: '5m' },
  'horizontal-pod-autoscaler-cpu-initialization-period': { type: 'string', value: 'D', help: 'how long after a pod starts its CPU samples may be skipped\n(unready, or taken before it turned ready)', default: '5m' },
  'horizontal-pod-autoscaler-initial-readiness-delay': { type: 'string', value: 'D', help: 'how long after a pod starts a readiness change counts as its\ninitial readiness', default: '30s' },
};

/** The HPA controller's settings from flags (kube-controller-manager's HPAControllerConfiguration). */
export interface HpaSettings {
  syncPeriodMs?: number;
  tolerance?: number;
  downscaleStabilizationMs?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

export interface AutoscalingSettings {
  /** The metrics API's scrape period (undefined: GIFEE_METRIC_RESOLUTION_MS, else 15 s). */
  metricResolutionMs?: number;
  hpa: HpaSettings;
}

/** Below it a scrape of every node would run back to back (metrics-server itself refuses < 10s). */
const MIN_METRIC_RESOLUTION_MS = 1000;

type Flags = Record<string, string | boolean | string[] | undefined>;

function durationOf(f: Flags, flag: string, o: { positive?: boolean; minMs?: number } = {}): number | undefined {
  const v = f[flag];
  if (v === undefined) return undefined;
  const ms = parseDuration(String(v), flag);
  if (o.minMs !== undefined && ms < o.minMs) throw new UsageError(`--${flag} must be at least ${o.minMs / 1000}s, not "${String(v)}"`);
  if (o.positive && ms <= 0) throw new UsageError(`--${flag} must be longer than 0, not "${String(v)}"`);
  return ms;
}

function toleranceOf(f: Flags): number | undefined {
  const v = f['horizontal-pod-autoscaler-tolerance'];
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const n = /^\d*\.?\d+$|^\d+\.$/.test(s) ? Number(s) : Number.NaN;
  // At 1 or more no scale-down could ever leave the tolerance: a usage ratio below 1 is never 1 away from 1.
  if (!Number.isFinite(n) || n >= 1) throw new UsageError(`--horizontal-pod-autoscaler-tolerance must be a fraction from 0 to below 1, e.g. 0.1, not "${s}"`);
  return n;
}

export function autoscalingOf(f: Flags): AutoscalingSettings {
  return {
    metricResolutionMs: durationOf(f, 'metric-resolution', { minMs: MIN_METRIC_RESOLUTION_MS }),
    hpa: {
      syncPeriodMs: durationOf(f, 'horizontal-pod-autoscaler-sync-period', { positive: true }),
      tolerance: toleranceOf(f),
      downscaleStabilizationMs: durationOf(f, 'horizontal-pod-autoscaler-downscale-stabilization'),
      cpuInitializationPeriodMs: durationOf(f, 'horizontal-pod-autoscaler-cpu-initialization-period'),
      initialReadinessDelayMs: durationOf(f, 'horizontal-pod-autoscaler-initial-readiness-delay'),
    },
  };
}
