// The views of pods, namespaces and NetworkPolicies the planner and the evaluator read: only the
// fields NetworkPolicy semantics depend on, taken defensively from API objects (a malformed field
// reads as absent, never throws).

import type { KObject } from '../../api/kind.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PodView {
  uid: string;
  namespace: string;
  name: string;
  /** IPv4 pod IP; pods without one (pending, host network) take no part. */
  ip?: string;
  labels: Record<string, string>;
  nodeName?: string;
  /** metadata.creationTimestamp (RFC 3339, compares as text): of two pods showing one IP, the newer holds it. */
  created?: string;
  /** Named container ports, for named ports in policies. */
  ports: { name: string; port: number; protocol: Protocol }[];
}

export interface NamespaceView {
  name: string;
  labels: Record<string, string>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface PolicyRule {
  peers?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface PolicyView {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** undefined: the pods selected are not isolated in that direction by this policy. */
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strMap = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
const protocolOf = (v: unknown): Protocol | undefined => (v === undefined ? 'TCP' : v === 'TCP' || v === 'UDP' || v === 'SCTP' ? v : undefined);

/** A pod that takes part in policies (has an IPv4 pod IP, not host network, not finished), else undefined. */
export function podView(p: KObject): PodView | undefined {
  const spec = obj(p.spec);
  const status = obj(p.status);
  if (spec.hostNetwork === true || status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ip = typeof status.podIP === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(status.podIP) ? status.podIP : undefined;
  const ports: PodView['ports'] = [];
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    for (const cp of arr(obj(c).ports)) {
      const x = obj(cp);
      const protocol = protocolOf(x.protocol);
      if (typeof x.name === 'string' && x.name && typeof x.containerPort === 'number' && protocol) ports.push({ name: x.name, port: x.containerPort, protocol });
    }
  }
  return {
    uid: String(p.metadata?.uid ?? ''),
    namespace: String(p.metadata?.namespace ?? ''),
    name: String(p.metadata?.name ?? ''),
    ip,
    labels: strMap(p.metadata?.labels),
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : undefined,
    created: typeof p.metadata?.creationTimestamp === 'string' ? p.metadata.creationTimestamp : undefined,
    ports,
  };
}

/** A namespace's labels, with kubernetes.io/metadata.name as the API server sets it (so selectors on it work even on an object written before). */
export function namespaceView(n: KObject): NamespaceView {
  const name = String(n.metadata?.name ?? '');
  return { name, labels: { ...strMap(n.metadata?.labels), 'kubernetes.io/metadata.name': name } };
}

const selectorOf = (v: unknown): LabelSelector | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as LabelSelector) : undefined);

function rulesOf(v: unknown, peersField: 'from' | 'to'): PolicyRule[] {
  return arr(v).map((r) => {
    const x = obj(r);
    const peers = Array.isArray(x[peersField])
      ? arr(x[peersField]).map((p) => {
          const y = obj(p);
          const ipb = obj(y.ipBlock);
          return {
            podSelector: selectorOf(y.podSelector),
            namespaceSelector: selectorOf(y.namespaceSelector),
            ipBlock: typeof ipb.cidr === 'string' ? { cidr: ipb.cidr, except: arr(ipb.except).filter((e): e is string => typeof e === 'string') } : undefined,
          };
        })
      : undefined;
    const ports = Array.isArray(x.ports) ? arr(x.ports).map((p) => obj(p) as PolicyPort) : undefined;
    return { peers: peers?.length ? peers : undefined, ports: ports?.length ? ports : undefined };
  });
}

/** A policy's view; policyTypes as the API defaults them (Ingress always, Egress when there are egress rules) when absent. */
export function policyView(np: KObject): PolicyView {
  const spec = obj(np.spec);
  const declared = arr(spec.policyTypes).filter((t): t is string => typeof t === 'string');
  const types = declared.length ? declared : ['Ingress', ...(Array.isArray(spec.egress) ? ['Egress'] : [])];
  return {
    namespace: String(np.metadata?.namespace ?? ''),
    name: String(np.metadata?.name ?? ''),
    podSelector: selectorOf(spec.podSelector) ?? {},
    ingress: types.includes('Ingress') ? rulesOf(spec.ingress, 'from') : undefined,
    egress: types.includes('Egress') ? rulesOf(spec.egress, 'to') : undefined,
  };
}
