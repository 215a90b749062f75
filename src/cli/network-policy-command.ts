// `gifee network-policy explain|counters`: why a flow between pods is allowed or dropped. explain
// reads the policies, pods and namespaces from the API and applies NetworkPolicy semantics
// (src/agent/network-policy/evaluate.ts); counters reads this node's nftables table (run on the
// node, as root): packets each policy rule let in or out, and packets each pod's chains dropped.

import type { Node } from '../api/core/index.js';
import { R } from '../client/resources.js';
import { isNotFound } from '../client/rest.js';
import { NETWORK_POLICIES } from '../agent/network-policy/enforcer.js';
import { describe, explain, type Flow } from '../agent/network-policy/evaluate.js';
import { ipv4ToInt } from '../agent/network-policy/ipv4-ranges.js';
import { namespaceView, podView, policyView, type PodView } from '../agent/network-policy/model.js';
import { readRuleCounters } from '../agent/network-policy/counters.js';
import { netpolTableName } from '../agent/network-policy/render.js';
import { helpOf, parseFlags, UsageError } from './args.js';
import { adminClient, explainConnectError } from './admin-client.js';
import { ADMIN_TARGET_FLAGS } from './identity-flags.js';

const HELP = `gifee network-policy: why traffic between pods is allowed or dropped

Usage:
  gifee network-policy explain --from NS/POD|IP --to NS/POD|IP --port PORT[/tcp|udp|sctp]
      which side's policies decide the flow, and which rule allows it (from the API's objects)
  gifee network-policy counters [--bridge NAME]
      on a node, as root: packets allowed per policy rule and dropped per pod, from the kernel

Drops are also logged to the kernel log with the prefix "gifee-netpol drop" (10/s per pod chain).

Flags of explain:
${helpOf(ADMIN_TARGET_FLAGS)}`;

/** "80", "53/udp": a port and protocol (TCP by default). */
export function parsePortFlag(v: string): { port: number; protocol: Flow['protocol'] } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(v);
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535) throw new UsageError(`--port must be PORT or PORT/PROTOCOL (tcp, udp, sctp) with PORT 1-65535, not "${v}"`);
  return { port, protocol: (m[2] ?? 'tcp').toUpperCase() as Flow['protocol'] };
}

export async function networkPolicyCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return console.log(HELP);
  if (sub === 'counters') {
    const f = parseFlags('network-policy counters', rest, { bridge: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
    if (f.help) return console.log(HELP);
    const table = netpolTableName(f.bridge as string | undefined);
    const rules = await readRuleCounters(table).catch((e: Error) => {
      throw new UsageError(`cannot read the nftables table ${table} (${e.message}): run on the node, as root; no table means no pod here is isolated yet`);
    });
    if (!rules.length) return console.log(`no NetworkPolicy rules in ${table}: no pod on this node is isolated`);
    const width = Math.max(...rules.map((r) => r.comment.length));
    console.log(`${'RULE'.padEnd(width)}  PACKETS  BYTES`);
    for (const r of rules) console.log(`${r.comment.padEnd(width)}  ${String(r.packets).padStart(7)}  ${r.bytes}`);
    return;
  }
  if (sub !== 'explain') throw new UsageError(`gifee network-policy: unknown command "${sub}"; commands are explain, counters (see gifee network-policy --help)`);
  const f = parseFlags('network-policy explain', rest, { from: { type: 'string' }, to: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' }, kubeconfig: { type: 'string' }, server: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (f.help) return console.log(HELP);
  if (!f.from || !f.to || !f.port) throw new UsageError('gifee network-policy explain: --from, --to and --port are required');
  const { port, protocol } = parsePortFlag(String(f.port));
  const client = await adminClient({ dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir, kubeconfig: f.kubeconfig as string | undefined, server: f.server as string | undefined }, 'gifee-network-policy');
  try {
    const [pods, namespaces, policies, nodes] = await Promise.all([client.list(R.pods), client.list(R.namespaces), client.list(NETWORK_POLICIES), client.list(R.nodes)]).catch((e) => explainConnectError(e, client.config.server));
    // Nodes' addresses: a pod's traffic with its own node is always allowed.
    const nodeIPs = new Map(nodes.items.map((n) => [String(n.metadata?.name), ((n as Node).status?.addresses ?? []).map((a) => String(a.address))]));
    const podViews = pods.items.map(podView).filter((p): p is PodView => !!p);
    const address = (v: string, flag: string): string => {
      if (ipv4ToInt(v) !== undefined) return v;
      const m = /^([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})$/.exec(v);
      if (!m) throw new UsageError(`--${flag} must be NAMESPACE/POD or an IPv4 address, not "${v}"`);
      const p = podViews.find((x) => x.namespace === m[1] && x.name === m[2]);
      if (!p) throw new UsageError(`--${flag}: pod ${v} not found (or finished, or on the host network)`);
      if (!p.ip) throw new UsageError(`--${flag}: pod ${v} has no IP yet`);
      return p.ip;
    };
    const flow: Flow = { src: address(String(f.from), 'from'), dst: address(String(f.to), 'to'), port, protocol };
    const e = explain(flow, { pods: podViews, namespaces: namespaces.items.map(namespaceView), policies: policies.items.map(policyView), nodeIPs });
    for (const line of describe(flow, e)) console.log(line);
    if (!e.allowed) process.exitCode = 1;
  } catch (e) {
    if (isNotFound(e)) throw new UsageError('the API server does not serve networking.k8s.io/v1 NetworkPolicies');
    throw e;
  } finally {
    client.close();
  }
}
