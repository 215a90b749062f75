// A plan as an nftables script: the whole table in one transaction (created, or replaced
// atomically), or only the elements of the sets that changed when the chains are as before.
//
// Two base chains on the forward hook see every packet between pods on this node (bridged,
// through br_netfilter), from this node's pods to anywhere routed, and to them from other nodes:
// `egress` (priority filter), then `ingress` (filter + 1). In each, flows already established
// were allowed when they began and pass (policy changes spare them); a new flow jumps, by address
// through a verdict map, to its pod's chain, which jumps to the chain of each policy selecting
// the pod. A policy rule that matches accepts (for this base chain only: the packet goes on to
// the other one); when none did, the pod chain counts, logs (rate-limited) and drops it. Policy
// chains are named by their content and shared by every pod with the same rules, so a policy
// selecting a hundred pods is one chain. Traffic between a pod and its own node goes through the
// input and output hooks, not forward: it is always allowed, as Kubernetes requires.

import { createHash } from 'node:crypto';
import type { Direction, Plan, PodPlan, PortMatch, RulePlan } from './plan.js';

export const NETPOL_TABLE = 'gifee-netpol';

/** The table a node agent owns (several agents sharing a network namespace in tests: one each, by bridge). */
export const netpolTableName = (bridge = 'gifee0') => (bridge === 'gifee0' ? NETPOL_TABLE : `${NETPOL_TABLE}-${bridge}`);

export interface Rendered {
  /** The table without set elements: when it is unchanged, only elements need updating. */
  structure: string;
  /** Set name → elements line content. */
  elements: Map<string, string[]>;
  /** Rules in the pod and policy chains (for the metric). */
  ruleCount: number;
}

const chainName = (dir: Direction, p: PodPlan) => `${dir === 'ingress' ? 'in' : 'out'}_${p.id}`;
/** Comments and log prefixes carry names the API validated (DNS labels/subdomains); anything else is dropped, and the length kept within nft's limits. */
const safe = (s: string, max: number) => s.replace(/[^A-Za-z0-9./_:\-[\] ]/g, '').slice(0, max);

const portMatch = (m: PortMatch) => `meta l4proto ${m.protocol.toLowerCase()}${m.from === undefined ? '' : ` th dport ${m.from === m.to ? m.from : `${m.from}-${m.to}`}`}`;

function ruleLines(dir: Direction, r: RulePlan): string[] {
  const addr = dir === 'ingress' ? 'ip saddr' : 'ip daddr';
  const peers = r.peerSet ? `${addr} @${r.peerSet} ` : '';
  const tail = `counter accept comment "${safe(`${r.policy} ${dir}[${r.index}]`, 120)}"`;
  if (!r.ports && !r.namedSet) return [`${peers}${tail}`];
  const lines = (r.ports ?? []).map((m) => `${peers}${portMatch(m)} ${tail}`);
  if (r.namedSet) lines.push(`ip daddr . meta l4proto . th dport @${r.namedSet} ${tail}`);
  return lines;
}

/** Drops are logged with this prefix (kernel log; `dmesg | grep gifee-netpol`). */
export const dropLogPrefix = (dir: Direction, pod: string) => safe(`gifee-netpol drop ${dir} ${pod}: `, 120);

export function render(table: string, plan: Plan): Rendered {
  const lines: string[] = [`table ip ${table} {`];
  const elements = new Map<string, string[]>();
  for (const [name, els] of plan.addressSets) {
    lines.push(`  set ${name} { type ipv4_addr; flags interval; }`);
    elements.set(name, els);
  }
  for (const [name, els] of plan.tupleSets) {
    lines.push(`  set ${name} { type ipv4_addr . inet_proto . inet_service; }`);
    elements.set(name, els);
  }
  let ruleCount = 0;
  // Policy chains by content: the same rules of the same policy are one chain for all its pods.
  const policyChains = new Map<string, string>(); // body -> chain name
  const policyChain = (dir: Direction, body: string[]) => {
    const key = `${dir}\n${body.join('\n')}`;
    let name = policyChains.get(key);
    if (!name) {
      name = `${dir === 'ingress' ? 'pin' : 'pout'}_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
      policyChains.set(key, name);
      ruleCount += body.length;
      lines.push(`  chain ${name} {`, ...body.map((l) => `    ${l}`), '  }');
    }
    return name;
  };
  const maps: Record<Direction, string[]> = { ingress: [], egress: [] };
  for (const p of plan.pods) {
    for (const dir of ['egress', 'ingress'] as const) {
      const rules = p[dir];
      if (!rules) continue;
      const byPolicy = new Map<string, RulePlan[]>();
      for (const r of rules) byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
      const body: string[] = [];
      for (const rs of byPolicy.values()) {
        const policyBody = rs.flatMap((r) => ruleLines(dir, r));
        if (policyBody.length) body.push(`jump ${policyChain(dir, policyBody)}`);
      }
      body.push(`limit rate 10/second burst 20 packets log prefix "${dropLogPrefix(dir, p.pod)}" level info`);
      body.push(`counter drop comment "${safe(`drop ${dir} ${p.pod}`, 120)}"`);
      ruleCount += body.length;
      lines.push(`  chain ${chainName(dir, p)} {`, ...body.map((l) => `    ${l}`), '  }');
      maps[dir].push(`${p.ip} : jump ${chainName(dir, p)}`);
    }
  }
  for (const dir of ['egress', 'ingress'] as const) {
    lines.push(`  map ${dir}_pods { type ipv4_addr : verdict;${maps[dir].length ? ` elements = { ${maps[dir].join(', ')} }` : ''} }`);
  }
  lines.push(
    '  chain egress {',
    '    type filter hook forward priority filter; policy accept;',
    '    ct state established,related accept',
    '    ip saddr vmap @egress_pods',
    '  }',
    '  chain ingress {',
    '    type filter hook forward priority filter + 1; policy accept;',
    '    ct state established,related accept',
    '    ip daddr vmap @ingress_pods',
    '  }',
    '}',
  );
  return { structure: `${lines.join('\n')}\n`, elements, ruleCount };
}

const elementLine = (table: string, set: string, els: string[]) => (els.length ? `add element ip ${table} ${set} { ${els.join(', ')} }\n` : '');

/** The whole table, replacing any previous one in the same transaction. */
export function fullScript(table: string, r: Rendered): string {
  let s = `table ip ${table}\ndelete table ip ${table}\n${r.structure}`;
  for (const [set, els] of r.elements) s += elementLine(table, set, els);
  return s;
}

/** Only the sets whose elements differ from `before` (same structure): counters and chains stay. */
export function elementsScript(table: string, before: Map<string, string[]>, r: Rendered): string {
  let s = '';
  for (const [set, els] of r.elements) {
    const had = before.get(set);
    if (had && had.length === els.length && had.every((e, i) => e === els[i])) continue;
    s += `flush set ip ${table} ${set}\n${elementLine(table, set, els)}`;
  }
  return s;
}

/** Removes the table (reset, or nothing left to enforce); no error if it is absent. */
export const deleteScript = (table: string) => `table ip ${table}\ndelete table ip ${table}\n`;
