// The cells `kubectl get pods` shows, computed as Kubernetes' printer does: READY counts ready app
// containers (and started sidecars), STATUS walks init containers then app containers for the most
// telling reason, RESTARTS adds "(5m ago)" after the last restart.

import type { KObject } from '../../kind.js';
import { humanDuration } from '../../table.js';
import { type Obj, isObj, num, objects, str } from './checks.js';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

const terminated = (s: unknown): Obj | undefined => (isObj(s) && isObj(s.terminated) ? s.terminated : undefined);
const waiting = (s: unknown): Obj | undefined => (isObj(s) && isObj(s.waiting) ? s.waiting : undefined);
const running = (s: unknown): boolean => isObj(s) && isObj(s.running);

function hasCondition(status: Obj, type: string): boolean {
  return objects(status.conditions).some((c) => c.type === type && c.status === 'True');
}

/** Summarises a pod the way `kubectl get pods` does; `now` is for the "(5m ago)" of restarts. */
export function summarizePod(pod: KObject, now = Date.now()): PodSummary {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const status = isObj(pod.status) ? pod.status : {};
  const initSpecs = objects(spec.initContainers);
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  let total = objects(spec.containers).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const finishedAt = (cs: Obj) => {
    const t = terminated(cs.lastState);
    return t && typeof t.finishedAt === 'string' ? Date.parse(t.finishedAt) : 0;
  };

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of objects(status.conditions)) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = objects(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const count = num(cs.restartCount) ?? 0;
    restarts += count;
    lastRestart = Math.max(lastRestart, finishedAt(cs));
    const isSidecar = sidecars.has(str(cs.name));
    if (isSidecar) {
      sidecarRestarts += count;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(cs));
    }
    const term = terminated(cs.state);
    const wait = waiting(cs.state);
    if (term && term.exitCode === 0) continue;
    if (isSidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (term) {
      if (!str(term.reason)) reason = num(term.signal) ? `Init:Signal:${term.signal}` : `Init:ExitCode:${num(term.exitCode) ?? 0}`;
      else reason = `Init:${str(term.reason)}`;
    } else if (wait && str(wait.reason) && wait.reason !== 'PodInitializing') {
      reason = `Init:${str(wait.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objects(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += num(cs.restartCount) ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(cs));
      const wait = waiting(cs.state);
      const term = terminated(cs.state);
      if (wait && str(wait.reason)) reason = str(wait.reason);
      else if (term && str(term.reason)) reason = str(term.reason);
      else if (term) reason = num(term.signal) ? `Signal:${term.signal}` : `ExitCode:${num(term.exitCode) ?? 0}`;
      else if (cs.ready === true && running(cs.state)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsCell = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  total = Math.max(total, 0);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

/** "<none>" for empty, as the wide pod columns show. */
export const orNone = (s: unknown) => (typeof s === 'string' && s !== '' ? s : '<none>');

export function podIPCell(pod: KObject): string {
  const status = isObj(pod.status) ? pod.status : {};
  const ips = objects(status.podIPs);
  return orNone(ips.length > 0 ? ips[0].ip : '');
}

export function readinessGatesCell(pod: KObject): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const status = isObj(pod.status) ? pod.status : {};
  const gates = objects(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  const conds = objects(status.conditions);
  const trueCount = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}
