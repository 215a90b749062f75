// The kernel's IPv4 routing table as the route controller sees it: gifee's routes carry their own
// route protocol number (ROUTE_PROTO), so they can be listed and removed without touching routes
// anything else installed. Every call runs `ip` in the caller's network namespace, or in a named
// one (`ip -n NAME`), which is what the tests use.

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `proto` of every route gifee installs (unused by the kernel and common routing daemons). */
export const ROUTE_PROTO = 77;

export interface PodRoute {
  /** The other node's pod CIDR, e.g. 10.42.1.0/24. */
  dst: string;
  /** The other node's IP (the next hop). */
  via: string;
}

export class RouteError extends Error {
  constructor(
    message: string,
    readonly route: PodRoute,
  ) {
    super(message);
  }
}

export interface TableOptions {
  /** A named network namespace (`ip -n`); unset = the caller's own. */
  netns?: string;
}

const ip = async (args: string[], o: TableOptions = {}) => {
  const { stdout } = await run('ip', [...(o.netns ? ['-n', o.netns] : []), ...args]);
  return stdout;
};

/** The routes gifee installed in this network namespace. */
export async function listPodRoutes(o: TableOptions = {}): Promise<PodRoute[]> {
  const out = await ip(['-4', '-j', 'route', 'show', 'proto', String(ROUTE_PROTO)], o);
  const rows = (out.trim() ? JSON.parse(out) : []) as { dst: string; gateway?: string }[];
  return rows.filter((r) => r.gateway).map((r) => ({ dst: normalizeCidr(r.dst), via: r.gateway! }));
}

/** Adds or moves the route to `dst` (idempotent). The kernel refuses a next hop that is not on a directly connected network. */
export async function replacePodRoute(r: PodRoute, o: TableOptions = {}): Promise<void> {
  try {
    await ip(['route', 'replace', r.dst, 'via', r.via, 'proto', String(ROUTE_PROTO)], o);
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message)
      .trim()
      .replace(/^Error: /, '')
      .replace(/\.$/, '');
    const hint = /invalid gateway|unreachable/i.test(stderr) ? ` (${r.via} is not on a network directly connected to this node: host-gw routing needs the nodes on one L2 segment)` : '';
    throw new RouteError(`cannot route ${r.dst} via ${r.via}: ${stderr}${hint}`, r);
  }
}

/** Removes a route gifee installed; a route already gone is not an error. */
export async function deletePodRoute(r: PodRoute, o: TableOptions = {}): Promise<void> {
  try {
    await ip(['route', 'delete', r.dst, 'via', r.via, 'proto', String(ROUTE_PROTO)], o);
  } catch (e) {
    if (/No such process|not found/i.test(String((e as { stderr?: string }).stderr ?? ''))) return;
    throw e;
  }
}

/** IPv4 addresses of this network namespace: a node at one of them shares this host and needs no route. */
export async function localAddresses(o: TableOptions = {}): Promise<Set<string>> {
  const out = await ip(['-4', '-j', 'addr', 'show'], o);
  const links = (out.trim() ? JSON.parse(out) : []) as { addr_info?: { local?: string }[] }[];
  return new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => !!a)));
}

/** Destinations the kernel routes directly (a pod bridge of another agent in this namespace, say): never overridden. */
export async function connectedNetworks(o: TableOptions = {}): Promise<Set<string>> {
  const out = await ip(['-4', '-j', 'route', 'show', 'proto', 'kernel', 'scope', 'link'], o);
  const rows = (out.trim() ? JSON.parse(out) : []) as { dst: string }[];
  return new Set(rows.map((r) => normalizeCidr(r.dst)));
}

/** Routing between nodes means forwarding: pods' packets arrive on the pod bridge and leave on the node's link. */
export async function enableForwarding(): Promise<{ changed: boolean }> {
  const path = '/proc/sys/net/ipv4/ip_forward';
  if ((await readFile(path, 'utf8')).trim() === '1') return { changed: false };
  await writeFile(path, '1');
  return { changed: true };
}

/** `ip` prints a /32 without its length and a network as given: compare CIDRs in one form. */
export function normalizeCidr(c: string): string {
  return c.includes('/') ? c : `${c}/32`;
}
