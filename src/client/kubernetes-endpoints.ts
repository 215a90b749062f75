// The API servers a cluster lists in its `default/kubernetes` Endpoints (one address per live
// server, kept by the servers themselves), as https:// URLs for the server pool. The object is read
// from the API but treated as hostile input: only IP literals that can be dialled (no unspecified,
// multicast or broadcast address) and a TCP port 1-65535 make a URL, and the work and the result
// are bounded.

import { isIP } from 'node:net';
import { MAX_LEARNED_SERVERS } from './server-pool.js';

/** Looked at, at most: more subsets or addresses than this is not a list of API servers. */
const MAX_SUBSETS = 8;
const MAX_ADDRESSES = 64;

interface Port {
  name?: unknown;
  port?: unknown;
  protocol?: unknown;
}

/** The port of a subset the API server serves on: the one named https, else its only port. */
function httpsPort(ports: unknown): number | undefined {
  if (!Array.isArray(ports)) return undefined;
  const tcp = (ports as Port[]).slice(0, MAX_ADDRESSES).filter((p) => p && typeof p === 'object' && (p.protocol === undefined || p.protocol === 'TCP'));
  const p = tcp.find((x) => x.name === 'https') ?? (tcp.length === 1 ? tcp[0] : undefined);
  const n = p?.port;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** An address a client can connect to (not 0.0.0.0, ::, multicast or the broadcast address). */
function dialable(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const first = Number(ip.split('.')[0]);
    return ip !== '0.0.0.0' && ip !== '255.255.255.255' && !(first >= 224 && first <= 239);
  }
  if (family === 6) {
    const lower = ip.toLowerCase();
    return lower !== '::' && !lower.startsWith('ff');
  }
  return false;
}

/** https://IP:PORT for each ready address of the Endpoints, in order, deduplicated, at most MAX_LEARNED_SERVERS. */
export function serversFromEndpoints(endpoints: unknown): string[] {
  const subsets = (endpoints as { subsets?: unknown } | undefined)?.subsets;
  if (!Array.isArray(subsets)) return [];
  const out: string[] = [];
  for (const subset of subsets.slice(0, MAX_SUBSETS)) {
    if (!subset || typeof subset !== 'object') continue;
    const port = httpsPort((subset as { ports?: unknown }).ports);
    const addresses = (subset as { addresses?: unknown }).addresses;
    if (port === undefined || !Array.isArray(addresses)) continue;
    for (const a of addresses.slice(0, MAX_ADDRESSES)) {
      const ip = (a as { ip?: unknown } | undefined)?.ip;
      if (typeof ip !== 'string' || !dialable(ip)) continue;
      const url = isIP(ip) === 6 ? `https://[${ip}]:${port}` : `https://${ip}:${port}`;
      if (!out.includes(url)) out.push(url);
      if (out.length >= MAX_LEARNED_SERVERS) return out;
    }
  }
  return out;
}
