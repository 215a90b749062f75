// The node agent's self-protection flags (kubelet names and syntax): --pod-max-pids,
// --eviction-hard, --eviction-soft with --eviction-soft-grace-period and
// --eviction-max-pod-grace-period, --eviction-pressure-transition-period, and image garbage collection
// (--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age), and the node's
// liveness heartbeat (--node-lease-duration-seconds), validated into agent options.

import { parseEvictionThresholds, parseSoftThresholds, type Threshold } from '../agent/eviction/thresholds.js';
import { DEFAULT_IMAGE_GC_POLICY, type ImageGcPolicy, policyProblem } from '../agent/images/gc-plan.js';
import { type FlagTable, parseDuration, UsageError } from './args.js';

/**
 * Default PID limit per pod. The kubelet's default is unlimited, which lets one pod's fork bomb take
 * every PID of the node (32768 by default) and with it the agent's ability to start anything.
 * 4096 (OpenShift's default too) covers heavily threaded servers (the pids cgroup counts threads)
 * while a runaway pod leaves the node most of its PIDs.
 */
export const DEFAULT_POD_MAX_PIDS = 4096;

export const NODE_PROTECTION_FLAG_TABLE: FlagTable = {
  'pod-max-pids': { type: 'string', value: 'N', help: `most processes and threads one pod may have (pids cgroup; default ${DEFAULT_POD_MAX_PIDS}; -1: no limit)` },
  'eviction-hard': {
    type: 'string',
    value: 'LIST',
    help: 'hard eviction thresholds, kubelet syntax (default memory.available<100Mi,\nnodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%;\na list replaces all defaults; also pid.available<N; "" turns eviction off)',
  },
  'eviction-soft': { type: 'string', value: 'LIST', help: 'soft eviction thresholds, same syntax (none by default): a pod is evicted,\nwith its grace period, once a signal stays past one for its grace period' },
  'eviction-soft-grace-period': { type: 'string', value: 'LIST', help: 'how long each soft threshold must be crossed first, e.g.\nmemory.available=1m30s,nodefs.available=2m (one per soft threshold)' },
  'eviction-max-pod-grace-period': { type: 'string', value: 'N', help: "the most seconds of grace a soft eviction gives a pod (0: the pod's own)", default: '0' },
  'eviction-pressure-transition-period': { type: 'string', value: 'D', help: 'how long a pressure condition stays True after the\nlast crossing, so it does not flap', default: '5m' },
  'image-gc-high-threshold': { type: 'string', value: 'PCT', help: "disk usage percent of the image store's filesystem at which unused\nimages are removed (100: never)", default: String(DEFAULT_IMAGE_GC_POLICY.highThresholdPercent) },
  'image-gc-low-threshold': { type: 'string', value: 'PCT', help: 'disk usage percent image garbage collection frees down to', default: String(DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent) },
  'image-minimum-gc-age': { type: 'string', value: 'D', help: 'an unused image younger than this is never removed', default: '2m' },
  'node-lease-duration-seconds': { type: 'string', value: 'N', help: "the node Lease's duration; the agent renews it every quarter of it\n(keep it below the control plane's node monitor grace period)", default: '40' },
};

export interface NodeProtection {
  podMaxPids?: number;
  evictionHard?: Threshold[];
  evictionTransitionMs?: number;
  evictionSoft?: Threshold[];
  evictionMaxPodGraceSeconds?: number;
  imageGc?: ImageGcPolicy;
  /** --node-lease-duration-seconds: the node Lease's duration (renewed every quarter of it). */
  nodeLeaseSeconds?: number;
}

export function nodeProtectionOf(f: Record<string, string | boolean | undefined>): NodeProtection {
  const out: NodeProtection = { podMaxPids: DEFAULT_POD_MAX_PIDS };
  const pids = f['pod-max-pids'];
  if (pids !== undefined) {
    const s = String(pids).trim();
    const n = /^-?\d+$/.test(s) ? Number(s) : NaN;
    if (n === -1) out.podMaxPids = undefined;
    else if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--pod-max-pids must be a positive number of processes, or -1 for no limit, not "${s}"`);
    else out.podMaxPids = n;
  }
  const hard = f['eviction-hard'];
  if (hard !== undefined) {
    try {
      out.evictionHard = parseEvictionThresholds(String(hard));
    } catch (e) {
      throw new UsageError(`--eviction-hard: ${(e as Error).message}`);
    }
  }
  const soft = f['eviction-soft'];
  const softGrace = f['eviction-soft-grace-period'];
  if (soft !== undefined || softGrace !== undefined) {
    try {
      out.evictionSoft = parseSoftThresholds(String(soft ?? ''), String(softGrace ?? ''), (d) => parseDuration(d, 'eviction-soft-grace-period'));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--eviction-soft: ${(e as Error).message}`);
    }
  }
  const maxGrace = f['eviction-max-pod-grace-period'];
  if (maxGrace !== undefined) {
    const s = String(maxGrace).trim();
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`--eviction-max-pod-grace-period must be a whole number of seconds, not "${s}"`);
    out.evictionMaxPodGraceSeconds = Number(s);
  }
  const period = f['eviction-pressure-transition-period'];
  if (period !== undefined) out.evictionTransitionMs = parseDuration(String(period), 'eviction-pressure-transition-period');
  const high = f['image-gc-high-threshold'];
  const low = f['image-gc-low-threshold'];
  const age = f['image-minimum-gc-age'];
  if (high !== undefined || low !== undefined || age !== undefined) {
    const percent = (name: string, v: string | boolean | undefined, fallback: number) => {
      if (v === undefined) return fallback;
      const t = String(v).trim();
      if (!/^\d+$/.test(t) || Number(t) > 100) throw new UsageError(`--${name} must be a whole percentage from 0 to 100, not "${t}"`);
      return Number(t);
    };
    const policy: ImageGcPolicy = {
      highThresholdPercent: percent('image-gc-high-threshold', high, DEFAULT_IMAGE_GC_POLICY.highThresholdPercent),
      lowThresholdPercent: percent('image-gc-low-threshold', low, DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent),
      minAgeMs: age === undefined ? DEFAULT_IMAGE_GC_POLICY.minAgeMs : parseDuration(String(age), 'image-minimum-gc-age'),
    };
    const problem = policyProblem(policy);
    if (problem) throw new UsageError(problem);
    out.imageGc = policy;
  }
  const lease = f['node-lease-duration-seconds'];
  if (lease !== undefined) {
    const s = String(lease).trim();
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 3600) throw new UsageError(`--node-lease-duration-seconds must be a whole number of seconds from 1 to 3600, not "${s}"`);
    out.nodeLeaseSeconds = Number(s);
  }
  return out;
}
