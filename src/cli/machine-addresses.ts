// This machine's IPv4 addresses, for the API server's certificate. Every address configured on an
// interface counts, whatever the link's state: Node's os.networkInterfaces() leaves out interfaces
// that are not running, so a bridge without ports (a node's pod bridge before its first pod) would
// be missing from the certificate when it comes up later. `ip` (iproute2) reports every address;
// without it, Node's view is the fallback.

import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

const isLoopback = (a: string) => a.startsWith('127.');

export function machineIPv4Addresses(): string[] {
  try {
    const out = execFileSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const links = JSON.parse(out) as { addr_info?: { family?: string; local?: string }[] }[];
    const addrs = links
      .flatMap((l) => l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && typeof a.local === 'string')
      .map((a) => a.local as string);
    return [...new Set(addrs.filter((a) => !isLoopback(a)))];
  } catch {
    return Object.values(networkInterfaces())
      .flatMap((a) => a ?? [])
      .filter((a) => a.family === 'IPv4' && !a.internal)
      .map((a) => a.address);
  }
}
