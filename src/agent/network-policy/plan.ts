// The pure half of NetworkPolicy enforcement: policies, pods and namespaces in, the rules for this
// node's pods out. Each pod some policy isolates gets a chain per isolated direction, holding one
// entry per rule of every policy that selects it (the union of what they allow); peers become
// address sets shared by every pod the policy selects, so a pod coming or going elsewhere changes
// set elements, not chains. Named ports resolve against the pod that listens: the selected pod for
// ingress, each destination pod for egress (a set of address . protocol . port tuples).

import { createHash } from 'node:crypto';
import { selectorFromObject } from '../../api/labels.js';
import { cidrRange, inRanges, ipv4ToInt, mergeRanges, renderRange, subtractRanges, type Range } from './ipv4-ranges.js';
import type { LabelSelector, NamespaceView, PodView, PolicyPeer, PolicyPort, PolicyRule, PolicyView, Protocol } from './model.js';

export type Direction = 'ingress' | 'egress';

/** One port entry: a protocol and a port range (none: every port of the protocol). */
export interface PortMatch {
  protocol: Protocol;
  from?: number;
  to?: number;
}

/** What one policy rule allows a pod, as nftables will match it. */
export interface RulePlan {
  /** "namespace/name" of the policy, and the rule's index in its ingress or egress list. */
  policy: string;
  index: number;
  /** The address set of the rule's peers; absent: any peer. */
  peerSet?: string;
  /** Numeric ports; absent: any port (unless namedSet carries the rule's only ports). An empty list matches nothing by itself. */
  ports?: PortMatch[];
  /** Egress named ports: a set of (destination address, protocol, port). */
  namedSet?: string;
}

export interface PodPlan {
  /** "namespace/name". */
  pod: string;
  uid: string;
  ip: string;
  /** A short stable id for chain names. */
  id: string;
  /** Absent: not isolated in that direction (everything allowed). */
  ingress?: RulePlan[];
  egress?: RulePlan[];
}

export interface Plan {
  /** Interval sets of IPv4 addresses: name → rendered elements (sorted, disjoint). */
  addressSets: Map<string, string[]>;
  /** Sets of address . protocol . port: name → rendered elements. */
  tupleSets: Map<string, string[]>;
  /** This node's isolated pods, by pod IP order. */
  pods: PodPlan[];
  /** Inputs ignored, for the log (a pod sharing another's IP, an unusable policy). */
  warnings: string[];
}

export interface PlanInput {
  nodeName: string;
  pods: PodView[];
  namespaces: NamespaceView[];
  policies: PolicyView[];
}

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

// Compiled once per selector object: a sync matches every policy against every local pod and every
// peer selector against every pod (tens of thousands of matches at a thousand pods).
const compiled = new WeakMap<LabelSelector, ReturnType<typeof selectorFromObject>>();
export const matches = (sel: LabelSelector | undefined, labels: Record<string, string>) => {
  if (!sel) return selectorFromObject(sel).matches(labels);
  let c = compiled.get(sel);
  if (!c) compiled.set(sel, (c = selectorFromObject(sel as never)));
  return c.matches(labels);
};

/** The pods a peer names (its ipBlock is separate): by pod selector in the policy's namespace, by namespace selector, or both. */
function peerPods(peer: PolicyPeer, policyNamespace: string, pods: PodView[], nsLabels: Map<string, Record<string, string>>): PodView[] {
  if (!peer.podSelector && !peer.namespaceSelector) return [];
  return pods.filter((p) => {
    if (peer.namespaceSelector) {
      if (!matches(peer.namespaceSelector, nsLabels.get(p.namespace) ?? { 'kubernetes.io/metadata.name': p.namespace })) return false;
    } else if (p.namespace !== policyNamespace) return false;
    return peer.podSelector ? matches(peer.podSelector, p.labels) : true;
  });
}

/** An ipBlock as ranges: its CIDR minus its excepts (IPv6 blocks match no IPv4 traffic: none). */
export function ipBlockRanges(b: NonNullable<PolicyPeer['ipBlock']>): Range[] {
  const r = cidrRange(b.cidr);
  if (!r) return [];
  return subtractRanges(
    [r],
    (b.except ?? []).map(cidrRange).filter((x): x is Range => !!x),
  );
}

/** The ranges a rule's peers cover (pods as single addresses). */
export function peerRanges(peers: PolicyPeer[], policyNamespace: string, pods: PodView[], nsLabels: Map<string, Record<string, string>>, ipOf = (p: PodView) => ipv4ToInt(p.ip ?? '')): Range[] {
  const ranges: Range[] = [];
  for (const peer of peers) {
    if (peer.ipBlock) ranges.push(...ipBlockRanges(peer.ipBlock));
    for (const p of peerPods(peer, policyNamespace, pods, nsLabels)) {
      const n = ipOf(p);
      if (n !== undefined) ranges.push([n, n]);
    }
  }
  return mergeRanges(ranges);
}

export const protocolOf = (p: PolicyPort): Protocol | undefined => {
  const v = p.protocol ?? 'TCP';
  return v === 'TCP' || v === 'UDP' || v === 'SCTP' ? v : undefined;
};

const validPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

/** A numeric port entry as a match (a named one is undefined: resolved per pod). */
export function numericPort(p: PolicyPort): PortMatch | undefined | 'named' | 'invalid' {
  const protocol = protocolOf(p);
  if (!protocol) return 'invalid';
  if (p.port === undefined) return { protocol };
  if (typeof p.port === 'string') {
    if (/^\d+$/.test(p.port)) return validPort(Number(p.port)) ? { protocol, from: Number(p.port), to: Number(p.port) } : 'invalid';
    return 'named';
  }
  if (!validPort(p.port)) return 'invalid';
  const to = validPort(p.endPort) && p.endPort >= p.port ? p.endPort : p.port;
  return { protocol, from: p.port, to };
}

/** A named port on one pod: the container port of that name and protocol. */
export const namedPortOn = (pod: PodView, name: string, protocol: Protocol) => pod.ports.find((x) => x.name === name && x.protocol === protocol)?.port;

export function plan(input: PlanInput): Plan {
  const warnings: string[] = [];
  const addressSets = new Map<string, string[]>();
  const tupleSets = new Map<string, string[]>();
  const nsLabels = new Map(input.namespaces.map((n) => [n.name, n.labels]));
  // Pods with an address; one pod per address. An IP is reused only once its sandbox is gone, so
  // of two pods showing one, the older is the one on its way out: the newer holds it (ties: the
  // first listed).
  const byIP = new Map<string, PodView>();
  for (const p of input.pods) {
    if (!p.ip) continue;
    const had = byIP.get(p.ip);
    const keep = had && (p.created ?? '') <= (had.created ?? '') ? had : p;
    if (had) warnings.push(`pods ${had.namespace}/${had.name} and ${p.namespace}/${p.name} share the IP ${p.ip}; ${keep.namespace}/${keep.name} (the newer) is used`);
    byIP.set(p.ip, keep);
  }
  const pods = [...byIP.values()];
  // Addresses parsed once per sync, not once per rule that names the pod.
  const ipInts = new Map(pods.map((p) => [p, ipv4ToInt(p.ip!) ?? -1]));
  const ipOf = (p: PodView) => ipInts.get(p);
  const local = pods.filter((p) => p.nodeName === input.nodeName).sort((a, b) => (ipOf(a) ?? 0) - (ipOf(b) ?? 0));
  const policies = [...input.policies].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));

  // Sets are computed once per rule, when a local pod first needs them.
  const rangesOf = new Map<string, Range[]>();
  const ruleRanges = (key: string, pol: PolicyView, peers: PolicyPeer[]) => {
    let r = rangesOf.get(key);
    if (!r) rangesOf.set(key, (r = peerRanges(peers, pol.namespace, pods, nsLabels, ipOf)));
    return r;
  };
  const peerSetOf = new Map<string, string | undefined>();
  const ruleSet = (pol: PolicyView, dir: Direction, index: number, rule: PolicyRule): string | undefined => {
    const key = `${pol.namespace}/${pol.name}/${dir}/${index}`;
    if (peerSetOf.has(key)) return peerSetOf.get(key);
    let name: string | undefined;
    if (rule.peers) {
      name = `peers_${shortHash(key)}`;
      addressSets.set(name, ruleRanges(key, pol, rule.peers).map(renderRange));
    }
    peerSetOf.set(key, name);
    return name;
  };
  const namedSetOf = new Map<string, string | undefined>();
  const egressNamedSet = (pol: PolicyView, index: number, rule: PolicyRule, named: { name: string; protocol: Protocol }[]): string | undefined => {
    const key = `${pol.namespace}/${pol.name}/egress/${index}`;
    if (namedSetOf.has(key)) return namedSetOf.get(key);
    // The destinations: pods among the peers (an ipBlock names the pods whose IP it covers), or every pod.
    let candidates = pods;
    if (rule.peers) {
      const ranges = ruleRanges(key, pol, rule.peers);
      candidates = pods.filter((p) => inRanges(ipOf(p) ?? -1, ranges));
    }
    const elements = new Set<string>();
    for (const p of candidates) {
      for (const n of named) {
        const port = namedPortOn(p, n.name, n.protocol);
        if (port !== undefined) elements.add(`${p.ip} . ${n.protocol.toLowerCase()} . ${port}`);
      }
    }
    const name = `named_${shortHash(key)}`;
    tupleSets.set(name, [...elements].sort());
    namedSetOf.set(key, name);
    return name;
  };
  const unusable = new Set<string>();

  const out: PodPlan[] = [];
  for (const pod of local) {
    const selecting = policies.filter((pol) => pol.namespace === pod.namespace && matches(pol.podSelector, pod.labels));
    if (!selecting.length) continue;
    const pp: PodPlan = { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid, ip: pod.ip!, id: shortHash(pod.uid || `${pod.namespace}/${pod.name}`) };
    for (const dir of ['ingress', 'egress'] as const) {
      const isolating = selecting.filter((pol) => pol[dir]);
      if (!isolating.length) continue;
      const rules: RulePlan[] = [];
      for (const pol of isolating) {
        for (const [index, rule] of (pol[dir] ?? []).entries()) {
          const policy = `${pol.namespace}/${pol.name}`;
          const peerSet = ruleSet(pol, dir, index, rule);
          if (!rule.ports) {
            rules.push({ policy, index, peerSet });
            continue;
          }
          const numeric: PortMatch[] = [];
          const named: { name: string; protocol: Protocol }[] = [];
          for (const p of rule.ports) {
            const m = numericPort(p);
            if (m === 'invalid') {
              if (!unusable.has(policy)) warnings.push(`policy ${policy}: ${dir} rule ${index} has an invalid port entry ${JSON.stringify(p)}; that entry matches nothing`);
              unusable.add(policy);
            } else if (m === 'named') named.push({ name: String(p.port), protocol: protocolOf(p)! });
            else if (m) numeric.push(m);
          }
          if (dir === 'ingress') {
            // Named ports of the selected pod itself; a name it does not have matches nothing.
            for (const n of named) {
              const port = namedPortOn(pod, n.name, n.protocol);
              if (port !== undefined) numeric.push({ protocol: n.protocol, from: port, to: port });
            }
            rules.push({ policy, index, peerSet, ports: numeric });
          } else {
            rules.push({ policy, index, peerSet, ports: numeric, ...(named.length ? { namedSet: egressNamedSet(pol, index, rule, named) } : {}) });
          }
        }
      }
      pp[dir] = rules;
    }
    out.push(pp);
  }
  return { addressSets, tupleSets, pods: out, warnings };
}
