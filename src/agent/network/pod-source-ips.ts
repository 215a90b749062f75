// Pods see each other's real IPs across nodes (Kubernetes' network model: pod to pod without NAT).
// The CNI bridge plugin's ipMasq masquerades every packet leaving the node's own pod CIDR, other
// nodes' pods included. This nftables table runs just before it (srcnat - 10) and gives packets
// from any node's pod CIDR to any node's pod CIDR a null source NAT (snat to their own address):
// once a connection has its source NAT settled, later NAT chains leave it alone. Traffic to
// anything outside the pod CIDRs is still masqueraded by CNI; packets the service proxy marked for
// masquerade (hairpin, node ports) are left to the proxy.

import { spawn } from 'node:child_process';
import type { TableOptions } from './route-table.js';

/** The service proxy's masquerade mark (src/proxy/nftables/rules.ts masqueradeMark): such packets are the proxy's to NAT. */
const PROXY_MASQUERADE_MARK = '0x4000';

/** One table per agent (named after its pod bridge, as the proxy's), so test nodes sharing a namespace do not collide. */
export const podSourceTableName = (bridge = 'gifee0') => (bridge === 'gifee0' ? 'gifee-pod-ips' : `gifee-pod-ips-${bridge}`);

function nft(script: string, o: TableOptions = {}): Promise<void> {
  const argv = o.netns ? ['ip', 'netns', 'exec', o.netns, 'nft', '-f', '-'] : ['nft', '-f', '-'];
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft failed (${code}): ${err.trim()}`))));
    p.stdin.end(script);
  });
}

/** The whole table in one transaction: the set of every node's pod CIDR and the null-SNAT rule. */
export function renderPodSourceTable(table: string, podCIDRs: string[]): string {
  const elements = podCIDRs.length ? `add element ip ${table} pod-cidrs { ${podCIDRs.join(', ')} }\n` : '';
  return `table ip ${table} {
  set pod-cidrs { type ipv4_addr; flags interval; }
  chain postrouting { type nat hook postrouting priority srcnat - 10; policy accept; }
}
flush chain ip ${table} postrouting
flush set ip ${table} pod-cidrs
${elements}add rule ip ${table} postrouting meta mark & ${PROXY_MASQUERADE_MARK} == 0 ip saddr @pod-cidrs ip daddr @pod-cidrs snat ip to ip saddr
`;
}

export async function applyPodSourceTable(table: string, podCIDRs: string[], o: TableOptions = {}): Promise<void> {
  await nft(renderPodSourceTable(table, podCIDRs), o);
}

export async function removePodSourceTable(table: string, o: TableOptions = {}): Promise<void> {
  await nft(`table ip ${table}\ndelete table ip ${table}\n`, o);
}
