// Why a flow is allowed or dropped, by NetworkPolicy semantics straight from the objects (not from
// the kernel's rules): the source pod's egress, then the destination pod's ingress, each either not
// isolated, allowed by a named policy rule, or denied with the policies that isolate it. Traffic
// between a pod and its own node is always allowed (Kubernetes requires it; the enforcer never sees
// it: it takes the input and output hooks), so a node's addresses, when known, say so. It backs
// `gifee network-policy explain`, and its tests hold the planner to the same semantics.

import { ipv4ToInt, inRanges } from './ipv4-ranges.js';
import type { NamespaceView, PodView, PolicyRule, PolicyView, Protocol } from './model.js';
import { matches, namedPortOn, numericPort, peerRanges, protocolOf, type Direction } from './plan.js';

export interface Flow {
  src: string;
  dst: string;
  protocol: Protocol;
  port: number;
}

export interface DirectionVerdict {
  direction: Direction;
  /** The pod on this end ("namespace/name"), if the address is a pod's. */
  pod?: string;
  verdict: 'not-a-pod' | 'not-isolated' | 'own-node' | 'allowed' | 'denied';
  /** Policies selecting the pod for this direction. */
  isolatedBy: string[];
  /** The first rule that allows the flow: "namespace/name ingress[i]". */
  allowedBy?: string;
}

export interface Explanation {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

function ruleAllows(rule: PolicyRule, pol: PolicyView, peerIP: string, listener: PodView | undefined, flow: Flow, pods: PodView[], nsLabels: Map<string, Record<string, string>>): boolean {
  if (rule.peers) {
    const n = ipv4ToInt(peerIP);
    if (n === undefined || !inRanges(n, peerRanges(rule.peers, pol.namespace, pods, nsLabels))) return false;
  }
  if (!rule.ports) return true;
  return rule.ports.some((p) => {
    const m = numericPort(p);
    if (m === 'invalid' || m === undefined) return false;
    if (m === 'named') return !!listener && protocolOf(p) === flow.protocol && namedPortOn(listener, String(p.port), flow.protocol) === flow.port;
    return m.protocol === flow.protocol && (m.from === undefined || (flow.port >= m.from && flow.port <= (m.to ?? m.from)));
  });
}

export function explain(flow: Flow, input: { pods: PodView[]; namespaces: NamespaceView[]; policies: PolicyView[]; nodeIPs?: Map<string, string[]> }): Explanation {
  const nsLabels = new Map(input.namespaces.map((n) => [n.name, n.labels]));
  const withIP = input.pods.filter((p) => p.ip);
  const byIP = (ip: string) => withIP.find((p) => p.ip === ip);
  const src = byIP(flow.src);
  const dst = byIP(flow.dst);
  const judge = (direction: Direction, pod: PodView | undefined, peerIP: string): DirectionVerdict => {
    if (!pod) return { direction, verdict: 'not-a-pod', isolatedBy: [] };
    const name = `${pod.namespace}/${pod.name}`;
    if (pod.nodeName && input.nodeIPs?.get(pod.nodeName)?.includes(peerIP)) return { direction, pod: name, verdict: 'own-node', isolatedBy: [] };
    const isolating = input.policies.filter((pol) => pol.namespace === pod.namespace && pol[direction] && matches(pol.podSelector, pod.labels));
    const isolatedBy = isolating.map((p) => `${p.namespace}/${p.name}`).sort();
    if (!isolating.length) return { direction, pod: name, verdict: 'not-isolated', isolatedBy };
    for (const pol of isolating) {
      for (const [i, rule] of (pol[direction] ?? []).entries()) {
        if (ruleAllows(rule, pol, peerIP, dst, flow, withIP, nsLabels)) return { direction, pod: name, verdict: 'allowed', isolatedBy, allowedBy: `${pol.namespace}/${pol.name} ${direction}[${i}]` };
      }
    }
    return { direction, pod: name, verdict: 'denied', isolatedBy };
  };
  const egress = judge('egress', src, flow.dst);
  const ingress = judge('ingress', dst, flow.src);
  return { allowed: egress.verdict !== 'denied' && ingress.verdict !== 'denied', egress, ingress };
}

/** The explanation as lines for a person. */
export function describe(flow: Flow, e: Explanation): string[] {
  const side = (v: DirectionVerdict, addr: string) => {
    const who = v.pod ? `pod ${v.pod} (${addr})` : addr;
    switch (v.verdict) {
      case 'not-a-pod':
        return `${v.direction}: ${addr} is not a pod's address: no policy applies on this side`;
      case 'own-node':
        return `${v.direction}: ${who} allowed: ${v.direction === 'ingress' ? flow.src : flow.dst} is the pod's own node (always allowed)`;
      case 'not-isolated':
        return `${v.direction}: ${who} is not isolated for ${v.direction} (no NetworkPolicy selects it with ${v.direction === 'ingress' ? 'Ingress' : 'Egress'} in its policyTypes)`;
      case 'allowed':
        return `${v.direction}: ${who} allowed by ${v.allowedBy} (isolated by ${v.isolatedBy.join(', ')})`;
      default:
        return `${v.direction}: ${who} DENIED: isolated by ${v.isolatedBy.join(', ')} and no rule of theirs allows ${flow.protocol} ${flow.port} ${v.direction === 'ingress' ? `from ${flow.src}` : `to ${flow.dst}`}`;
    }
  };
  return [`${flow.src} -> ${flow.dst} ${flow.protocol}/${flow.port}: ${e.allowed ? 'allowed' : 'dropped'}`, side(e.egress, flow.src), side(e.ingress, flow.dst)];
}
