// The files every container of a pod sees at /etc/hosts, /etc/hostname and /etc/resolv.conf,
// written once per pod like the kubelet does, so containers agree on their pod's identity.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from './types.js';

export interface DnsSettings {
  /** The cluster DNS service IP (ClusterFirst); absent until cluster DNS runs: the host's resolvers are used. */
  clusterDNS?: string;
  clusterDomain: string;
}

export function podHostname(pod: Pod): string {
  return (pod.spec.hostname ?? pod.metadata.name).slice(0, 63);
}

export function hostsFile(pod: Pod, podIP: string, domain: string): string {
  const host = podHostname(pod);
  const fqdn = pod.spec.subdomain ? `${host}.${pod.spec.subdomain}.${pod.metadata.namespace}.svc.${domain}` : '';
  const lines = ['# Kubernetes-managed hosts file.', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'fe00::0\tip6-mcastprefix', 'fe00::1\tip6-allnodes', 'fe00::2\tip6-allrouters'];
  if (podIP) lines.push(`${podIP}\t${fqdn ? `${fqdn}\t` : ''}${host}`);
  for (const a of pod.spec.hostAliases ?? []) lines.push(`\n# Entries added by HostAliases.\n${a.ip}\t${a.hostnames.join('\t')}`);
  return lines.join('\n') + '\n';
}

export async function resolvConf(pod: Pod, dns: DnsSettings): Promise<string> {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const host = await readFile('/etc/resolv.conf', 'utf8').catch(() => 'nameserver 127.0.0.1\n');
  const hostServers = [...host.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]);
  const hostSearch = /^search\s+(.+)$/m.exec(host)?.[1].split(/\s+/) ?? [];
  let servers: string[] = [];
  let search: string[] = [];
  let options: string[] = [];
  const ns = pod.metadata.namespace;
  const d = dns.clusterDomain;
  const clusterFirst = (policy === 'ClusterFirst' || (policy === 'ClusterFirstWithHostNet' && pod.spec.hostNetwork)) && !pod.spec.hostNetwork ? true : policy === 'ClusterFirstWithHostNet';
  if (policy !== 'None') {
    if (clusterFirst && dns.clusterDNS) {
      servers = [dns.clusterDNS];
      search = [`${ns}.svc.${d}`, `svc.${d}`, d, ...hostSearch];
      options = ['ndots:5'];
    } else {
      // Default (or no cluster DNS yet): the node's resolvers, with the cluster search path so short
      // names resolve once cluster DNS is there.
      servers = hostServers.filter((s) => !s.startsWith('127.'));
      if (servers.length === 0) servers = hostServers;
      search = clusterFirst ? [`${ns}.svc.${d}`, `svc.${d}`, d, ...hostSearch] : hostSearch;
      if (clusterFirst) options = ['ndots:5'];
    }
  }
  const cfg = pod.spec.dnsConfig;
  if (cfg) {
    servers = [...servers, ...(cfg.nameservers ?? [])];
    search = [...search, ...(cfg.searches ?? [])];
    for (const o of cfg.options ?? []) {
      options = options.filter((x) => x.split(':')[0] !== o.name);
      options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    }
  }
  const out: string[] = [];
  if (search.length) out.push(`search ${[...new Set(search)].slice(0, 32).join(' ')}`);
  for (const s of servers.slice(0, 3)) out.push(`nameserver ${s}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

/** Writes the three files into dir/etc and returns their paths. */
export async function writePodFiles(pod: Pod, dir: string, podIP: string, dns: DnsSettings) {
  const etc = join(dir, 'etc');
  await mkdir(etc, { recursive: true });
  const paths = { hosts: join(etc, 'hosts'), hostname: join(etc, 'hostname'), resolv: join(etc, 'resolv.conf') };
  await writeFile(paths.hosts, pod.spec.hostNetwork ? await readFile('/etc/hosts', 'utf8').catch(() => '') : hostsFile(pod, podIP, dns.clusterDomain));
  await writeFile(paths.hostname, podHostname(pod) + '\n');
  await writeFile(paths.resolv, await resolvConf(pod, dns));
  return paths;
}
