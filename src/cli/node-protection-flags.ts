// The node agent's self-protection flags (kubelet names and syntax): --pod-max-pids,
// --eviction-hard, --eviction-soft with --eviction-soft-grace-period and
// --eviction-max-pod-grace-period, and --eviction-pressure-transition-period, validated into agent options.

import { parseEvictionThresholds, parseSoftThresholds, type Threshold } from '../agent/eviction/thresholds.js';
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
};

export interface NodeProtection {
  podMaxPids?: number;
  evictionHard?: Threshold[];
  evictionTransitionMs?: number;
  evictionSoft?: Threshold[];
  evictionMaxPodGraceSeconds?: number;
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
  return out;
}
