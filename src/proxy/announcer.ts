// Load balancer addresses from the pool (--lb-ip-range) on the wire: for each address in a
// built-in LoadBalancer's status that is not a node's own IP, exactly one node — chosen by
// rendezvous hashing among the nodes that serve load balancers, and for externalTrafficPolicy
// Local among those with a ready endpoint — adds it to the interface that holds its node IP (as a
// /32), so the kernel answers ARP for it and the service proxy's rules take the traffic. Only an
// address inside that interface's subnet is ever added (ARP cannot reach any other). Every
// agent computes the same owner from the same API objects, so no lease is needed; when the owner
// changes, the old one removes the address and the new one adds it and, when `arping` is
// installed, sends gratuitous ARP so clients' neighbour caches move at once.

import type { EndpointSlice, Service } from '../api/core/index.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { KObject } from '../api/kind.js';
import { allNodeAddresses, isBuiltinLoadBalancer, isSpecialIPv4, lbNodes } from '../api/load-balancer.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';
import type { Logger } from '../util/log.js';
import { which } from '../util/which.js';
import { parseIPv4 } from '../util/ipv4.js';
import { isIPv4 } from './model.js';
import { logFailure, logFailureOnce } from '../util/best-effort.js';

const run = promisify(execFile);

type Svc = Service;
type Slice = EndpointSlice;

const score = (ip: string, node: string) => createHash('sha256').update(`${ip}/${node}`).digest('hex').slice(0, 12);

/**
 * Which node announces each pool address (pure). Services are the built-in load balancer's;
 * an address that is some node's own is not announced (node IP mode); an address claimed by two
 * Services goes to the first by namespace/name.
 */
export function announcements(services: KObject[], slices: KObject[], nodes: KObject[]): Map<string, string> {
  const eligible = lbNodes(nodes).map((n) => n.name);
  const nodeAddrs = allNodeAddresses(nodes);
  const readyNodes = new Map<string, Set<string>>();
  for (const s of slices as Slice[]) {
    const svc = s.metadata?.labels?.[LABEL_SERVICE_NAME];
    if (!svc) continue;
    const key = `${s.metadata?.namespace}/${svc}`;
    for (const e of s.endpoints ?? []) {
      if (!e.nodeName || e.conditions?.ready === false) continue;
      let set = readyNodes.get(key);
      if (!set) readyNodes.set(key, (set = new Set()));
      set.add(e.nodeName);
    }
  }
  const out = new Map<string, string>();
  const sorted = (services as Svc[]).filter(isBuiltinLoadBalancer).sort((a, b) => (`${a.metadata?.namespace}/${a.metadata?.name}` < `${b.metadata?.namespace}/${b.metadata?.name}` ? -1 : 1));
  for (const s of sorted) {
    const key = `${s.metadata?.namespace}/${s.metadata?.name}`;
    // Local: a node with endpoints, so client IPs are kept and traffic is served; none: any node (clients get a refusal, not silence).
    const withEndpoints = s.spec?.externalTrafficPolicy === 'Local' ? eligible.filter((n) => readyNodes.get(key)?.has(n)) : [];
    const candidates = withEndpoints.length ? withEndpoints : eligible;
    for (const i of s.status?.loadBalancer?.ingress ?? []) {
      const ip = i.ip;
      if (!isIPv4(ip) || isSpecialIPv4(ip) || nodeAddrs.has(ip) || out.has(ip) || !candidates.length) continue;
      let best = candidates[0];
      for (const n of candidates) if (score(ip, n) > score(ip, best)) best = n;
      out.set(ip, best);
    }
  }
  return out;
}

export interface Announcer {
  /** Bring the interface to the addresses this node owns now. */
  update(services: KObject[], slices: KObject[], nodes: KObject[]): Promise<void>;
  /** The addresses on the interface now (tests, logs). */
  announced(): string[];
  /** Remove every address this announcer added. */
  stop(): Promise<void>;
}

/** The interface holding `nodeIP` (the node's own network) and its prefix length, from `ip -o -4 addr show`. */
async function deviceOf(nodeIP: string): Promise<{ dev: string; prefix: number } | undefined> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']);
  for (const line of stdout.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\/(\d+)/.exec(line);
    if (m && m[2] === nodeIP) return { dev: m[1].replace(/@.*$/, ''), prefix: Number(m[3]) };
  }
  return undefined;
}

/**
 * Whether `ip` lies in the node IP's own subnet (`nodeIP/prefix`). Only such an address is
 * reachable by ARP on that link; anything else in a status (written by hand, or a pool that is not
 * the nodes' network) must never be put on an interface, where it would shadow a real address.
 */
export function onLink(ip: string, nodeIP: string, prefix: number): boolean {
  const a = parseIPv4(ip);
  const n = parseIPv4(nodeIP);
  if (a === undefined || n === undefined || prefix < 1 || prefix > 32) return false;
  const mask = prefix === 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return (a & mask) >>> 0 === (n & mask) >>> 0;
}

/** The label our addresses carry (iproute2: "DEV:suffix", at most 15 characters), to find them after a crash. */
export const announceLabel = (dev: string) => (dev.length + 3 <= 15 ? `${dev}:lb` : undefined);

/** Addresses carrying our label on `dev` (left by an agent that did not stop cleanly). */
async function labelled(dev: string): Promise<string[]> {
  const label = announceLabel(dev);
  if (!label) return [];
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', dev, 'label', label]).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/inet ([\d.]+)\/32/g)].map((m) => m[1]);
}

/** Removes every address an agent announced, on any interface (gifee reset after a crash); logs each that will not go. */
export async function removeAnnouncedAddresses(log: Logger): Promise<void> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']).catch(() => ({ stdout: '' }));
  for (const m of stdout.matchAll(/^\d+:\s+(\S+)\s+inet ([\d.]+)\/32 .*?(\S+:lb)\b/gm)) {
    const dev = m[1].replace(/@.*$/, '');
    if (m[3] === announceLabel(dev)) await run('ip', ['addr', 'del', `${m[2]}/32`, 'dev', dev]).catch(logFailure(log, 'removing an announced load balancer address', { ip: m[2], dev }));
  }
}

export function startAnnouncer(o: { nodeName: string; nodeIP: string; log: Logger }): Announcer {
  const mine = new Set<string>();
  let dev: string | undefined;
  let prefix = 32;
  let warnedNoDevice = false;
  const warnedOffLink = new Set<string>();
  let arping: string | null | undefined;
  let cleaned = false;

  const gratuitousArp = async (ip: string) => {
    if (arping === undefined) arping = (await which('arping')) ?? null;
    if (!arping || !dev) return;
    // iputils arping: -U unsolicited (gratuitous) ARP, from the address itself; bounded.
    await run(arping, ['-U', '-c', '2', '-w', '3', '-I', dev, '-s', ip, ip], { timeout: 5000 }).catch((e) => o.log.debug('gratuitous ARP failed', { ip, err: e }));
  };

  return {
    update: async (services, slices, nodes) => {
      const owned = [...announcements(services, slices, nodes)].filter(([, n]) => n === o.nodeName).map(([ip]) => ip);
      // The first update always looks: an agent that crashed may have left addresses it no longer
      // owns, which another node now announces (two answers to one ARP request).
      if (!owned.length && !mine.size && cleaned) return;
      if (!dev) {
        const found = await deviceOf(o.nodeIP);
        if (!found) {
          if (owned.length && !warnedNoDevice) o.log.warn('no interface holds the node IP: load balancer addresses are not announced', { nodeIP: o.nodeIP });
          if (owned.length) warnedNoDevice = true;
          else cleaned = true; // nothing of ours can be on a device we cannot find
          return;
        }
        dev = found.dev;
        prefix = found.prefix;
      }
      const want = new Set<string>();
      for (const ip of owned) {
        if (onLink(ip, o.nodeIP, prefix)) want.add(ip);
        else if (!warnedOffLink.has(ip)) {
          warnedOffLink.add(ip);
          o.log.warn('not announcing a load balancer address outside the node network', { ip, nodeIP: `${o.nodeIP}/${prefix}` });
        }
      }
      if (!cleaned) {
        cleaned = true;
        for (const ip of await labelled(dev)) if (!want.has(ip)) await run('ip', ['addr', 'del', `${ip}/32`, 'dev', dev]).catch(logFailureOnce(o.log, 'removing a load balancer address', { ip, dev }));
      }
      for (const ip of [...mine]) {
        if (want.has(ip)) continue;
        await run('ip', ['addr', 'del', `${ip}/32`, 'dev', dev]).catch((e) => o.log.warn('could not remove a load balancer address', { ip, dev, err: e }));
        mine.delete(ip);
        o.log.info('stopped announcing a load balancer address', { ip, dev });
      }
      for (const ip of want) {
        if (mine.has(ip)) continue;
        const label = announceLabel(dev);
        await run('ip', ['addr', 'replace', `${ip}/32`, 'dev', dev, ...(label ? ['label', label] : [])]);
        mine.add(ip);
        o.log.info('announcing a load balancer address', { ip, dev });
        void gratuitousArp(ip);
      }
    },
    announced: () => [...mine].sort(),
    stop: async () => {
      if (!dev) return;
      for (const ip of mine) await run('ip', ['addr', 'del', `${ip}/32`, 'dev', dev]).catch(logFailureOnce(o.log, 'removing a load balancer address', { ip, dev }));
      mine.clear();
    },
  };
}
