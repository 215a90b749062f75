// The host's resolvers, for names outside the cluster: the nameservers of /etc/resolv.conf, or of
// systemd-resolved's real list when /etc/resolv.conf only names its 127.0.0.53 stub (as kubelet's
// --resolv-conf advice goes; the stub would work too, since the server runs in the host's network
// namespace, but it adds a hop).

import { readFile } from 'node:fs/promises';

const nameservers = (text: string) => [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]);

export async function hostResolvers(path = '/etc/resolv.conf'): Promise<string[]> {
  const servers = nameservers(await readFile(path, 'utf8').catch(() => ''));
  if (servers.length > 0 && servers.every((s) => s.startsWith('127.0.0.53'))) {
    const real = nameservers(await readFile('/run/systemd/resolve/resolv.conf', 'utf8').catch(() => ''));
    if (real.length) return real;
  }
  return servers;
}
