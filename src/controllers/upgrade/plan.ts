// Which nodes an Upgrade starts next, given every node's state: pure, so the rules are table-tested
// (plan.test.ts). Servers (nodes labelled node-role.kubernetes.io/control-plane) go first and alone,
// as the skew policy wants servers ahead of agents; then agents, at most `concurrency` in flight.
// A node already reporting the target version is done without being touched; a NotReady node is
// not started (it could be neither drained nor verified) and keeps the upgrade from completing; a
// Failed node halts everything. A halt winds the other nodes in flight down rather than leaving them
// where it found them: a node still draining has not been switched, so its drain stops (`cancel`);
// a node already switched cannot be stopped half-way, so it finishes (Ready on the target, or rolled
// back) while the upgrade is `settling`.

import type { UpgradeNodeStatus } from '../../api/kinds/upgrade/index.js';

export interface NodeView {
  name: string;
  server: boolean;
  /** The gifee version the node reports (status.nodeInfo.kubeletVersion), if any. */
  version?: string;
  ready: boolean;
}

/** States of a node the controller is working on. */
export const IN_FLIGHT_STATES = new Set(['Draining', 'Switching', 'RollingBack']);

export interface PlanResult {
  /** Nodes to start now, in order. */
  start: string[];
  /** Nodes not at the target that cannot start yet because they are NotReady. */
  waiting: string[];
  complete: boolean;
  /** Set when a node failed: nothing more starts. */
  halted?: string;
  /** The failed node's reason (DrainTimeout...), when it recorded one. */
  haltedReason?: string;
  /** On a halt: nodes still draining, whose drain stops (they were not switched). */
  cancel: string[];
  /** On a halt: nodes already switched are still finishing (the upgrade is Halting, not yet Halted). */
  settling: boolean;
}

export function planNext(nodes: NodeView[], progress: UpgradeNodeStatus[], target: string, concurrency: number): PlanResult {
  const byName = new Map(progress.map((p) => [p.name, p]));
  const failed = progress.find((p) => p.state === 'Failed');
  const live = new Set(nodes.map((n) => n.name));
  // A node deleted mid-upgrade no longer holds a slot.
  const inFlight = progress.filter((p) => IN_FLIGHT_STATES.has(p.state) && live.has(p.name));
  const todo = nodes
    .filter((n) => n.version !== target && byName.get(n.name)?.state !== 'Done' && !IN_FLIGHT_STATES.has(byName.get(n.name)?.state ?? ''))
    .filter((n) => byName.get(n.name)?.state !== 'Failed')
    .sort((a, b) => Number(b.server) - Number(a.server) || a.name.localeCompare(b.name));
  const waiting = todo.filter((n) => !n.ready).map((n) => n.name);
  const complete = todo.length === 0 && inFlight.length === 0 && !failed;
  if (failed) {
    const cancel = inFlight.filter((p) => p.state === 'Draining').map((p) => p.name);
    const settling = inFlight.some((p) => p.state !== 'Draining');
    return { start: [], waiting, complete: false, cancel, settling, halted: `node ${failed.name} failed: ${failed.message ?? 'no reason recorded'}`, ...(failed.reason ? { haltedReason: failed.reason } : {}) };
  }
  const serverLeft = todo.some((n) => n.server) || inFlight.some((p) => nodes.find((n) => n.name === p.name)?.server);
  const ready = todo.filter((n) => n.ready);
  if (serverLeft) {
    // Servers one at a time, and no agent alongside one.
    const next = ready.find((n) => n.server);
    return { start: inFlight.length === 0 && next ? [next.name] : [], waiting, complete, cancel: [], settling: false };
  }
  // The window is the concurrency less the nodes in flight (not the ready count less them: one ready
  // node beside one in flight at concurrency 2 starts now).
  const slots = Math.max(0, concurrency - inFlight.length);
  return { start: ready.slice(0, slots).map((n) => n.name), waiting, complete, cancel: [], settling: false };
}
