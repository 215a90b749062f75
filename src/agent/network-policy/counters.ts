// The counters of the NetworkPolicy table's rules, read from `nft -j list table`: each allow rule
// is commented with its policy and rule ("ns/name ingress[0]"), each pod chain's drop rule with its
// pod ("drop ingress ns/pod"). They answer "which policy let this in" and "how much did this pod
// refuse" (the drops metric, `gifee network-policy counters`).

import { runNft } from './nft.js';

export interface RuleCounter {
  chain: string;
  comment: string;
  packets: number;
  bytes: number;
}

/** Rule counters from nft's JSON; anything unexpected in it is skipped. */
export function parseRuleCounters(json: string): RuleCounter[] {
  let doc: { nftables?: unknown[] };
  try {
    doc = JSON.parse(json) as { nftables?: unknown[] };
  } catch {
    return [];
  }
  const out: RuleCounter[] = [];
  for (const item of Array.isArray(doc.nftables) ? doc.nftables : []) {
    const rule = (item as { rule?: { chain?: unknown; comment?: unknown; expr?: unknown[] } }).rule;
    if (!rule || typeof rule.comment !== 'string' || !Array.isArray(rule.expr)) continue;
    const counter = rule.expr.map((e) => (e as { counter?: { packets?: number; bytes?: number } }).counter).find(Boolean);
    if (!counter) continue;
    out.push({ chain: String(rule.chain ?? ''), comment: rule.comment, packets: Number(counter.packets ?? 0), bytes: Number(counter.bytes ?? 0) });
  }
  return out;
}

export async function readRuleCounters(table: string, netns?: string): Promise<RuleCounter[]> {
  return parseRuleCounters(await runNft('', netns, ['-j', 'list', 'table', 'ip', table]));
}

export interface DropCounter {
  namespace: string;
  pod: string;
  direction: 'ingress' | 'egress';
  packets: number;
}

/** Drop counters by "direction namespace/pod". */
export function dropCounters(rules: RuleCounter[]): Map<string, DropCounter> {
  const out = new Map<string, DropCounter>();
  for (const r of rules) {
    const m = /^drop (ingress|egress) ([^/ ]+)\/(\S+)$/.exec(r.comment);
    if (m) out.set(`${m[1]} ${m[2]}/${m[3]}`, { direction: m[1] as 'ingress' | 'egress', namespace: m[2], pod: m[3], packets: r.packets });
  }
  return out;
}

export async function readDropCounters(table: string, netns?: string): Promise<Map<string, DropCounter>> {
  return dropCounters(await readRuleCounters(table, netns));
}
