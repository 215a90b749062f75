// Catching traffic that would leave the machine, for tests that run a whole cluster inside a network
// namespace of their own (see createConfinedNetns): there, the default route goes out through
// WATCH_DEVICE, one end of a veth pair whose other end sits alone in a second, empty namespace (the
// sink). A packet to any address that is neither loopback nor on one of the namespace's own
// networks goes out through it and is counted, and dropped by the sink: nothing reaches a real
// network. Sockets of every process in the namespace are polled too (/proc/net/tcp, udp and their
// v6 twins), to name the address and port something tried to reach.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const WATCH_DEVICE = 'gfwatch0';

const sinkOf = (name: string) => `${name}-sink`;

/** A network namespace with lo up and WATCH_DEVICE carrying the default route into a sink namespace. */
export async function createConfinedNetns(name: string): Promise<void> {
  const sink = sinkOf(name);
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['netns', 'add', sink]).catch(async (e) => {
    await run('ip', ['netns', 'del', name]).catch(() => undefined);
    throw e;
  });
  try {
    const ip = (...args: string[]) => run('ip', ['-n', name, ...args]);
    const sysctl = (ns: string, key: string) => run('nsenter', [`--net=/var/run/netns/${ns}`, '--', 'sysctl', '-q', '-w', key]);
    await ip('link', 'set', 'lo', 'up');
    await ip('link', 'add', WATCH_DEVICE, 'type', 'veth', 'peer', 'name', 'sink0', 'netns', sink);
    // No IPv6 (router solicitations would count as traffic) and no ARP (the packets themselves go out, to be counted).
    await sysctl(name, `net.ipv6.conf.${WATCH_DEVICE}.disable_ipv6=1`);
    await sysctl(sink, 'net.ipv6.conf.all.disable_ipv6=1');
    await ip('link', 'set', WATCH_DEVICE, 'arp', 'off');
    // A source address for connections through it (TEST-NET-3, only inside this namespace).
    await ip('addr', 'add', '203.0.113.1/32', 'dev', WATCH_DEVICE);
    await run('ip', ['-n', sink, 'link', 'set', 'sink0', 'up']);
    await ip('link', 'set', WATCH_DEVICE, 'up');
    await ip('route', 'add', 'default', 'dev', WATCH_DEVICE);
  } catch (e) {
    await deleteNetns(name);
    throw e;
  }
}

export async function deleteNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'del', name]).catch(() => undefined);
  await run('ip', ['netns', 'del', sinkOf(name)]).catch(() => undefined);
}

/** Packets sent through WATCH_DEVICE so far (/proc/net/dev is this process's namespace's). */
export async function watchDevicePackets(): Promise<number> {
  const dev = await readFile('/proc/net/dev', 'utf8');
  const line = dev.split('\n').find((l) => l.trim().startsWith(`${WATCH_DEVICE}:`));
  if (!line) throw new Error(`${WATCH_DEVICE} is not in this network namespace: run inside createConfinedNetns's namespace`);
  const fields = line.split(':')[1].trim().split(/\s+/).map(Number);
  return fields[9]; // receive: 8 fields; transmit: bytes, packets, ...
}

/** An address from /proc/net/{tcp,udp}[6]: hex, each 32-bit word in host (little-endian) order. */
export function decodeProcAddress(hex: string): { ip: string; port: number } {
  const [addr, port] = hex.split(':');
  const words = addr.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].map((b) => Number.parseInt(b, 16)));
  let ip: string;
  if (bytes.length === 4) ip = bytes.join('.');
  else if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) ip = bytes.slice(12).join('.');
  else ip = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16).padStart(4, '0')).join(':');
  return { ip, port: Number.parseInt(port, 16) };
}

const inSubnet = (ip: string, cidr: string) => {
  const [net, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - Number(bits));
  const base = Math.floor(n(net) / size) * size;
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && n(ip) >= base && n(ip) < base + size;
};

/** Whether a socket's remote end stays on this machine: unset, loopback, or on one of the allowed networks. */
export function remoteAllowed(ip: string, allowed: string[]): boolean {
  if (ip === '0.0.0.0' || ip === '0000:0000:0000:0000:0000:0000:0000:0000' || ip === '0000:0000:0000:0000:0000:0000:0000:0001') return true;
  if (inSubnet(ip, '127.0.0.0/8')) return true;
  return allowed.some((c) => inSubnet(ip, c));
}

/** Remote ends of every TCP and UDP socket in this namespace that are not allowed. */
export async function offBoxSockets(allowed: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const text = await readFile(`/proc/net/${proto}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const remote = decodeProcAddress(f[2]);
      if (!remoteAllowed(remote.ip, allowed)) found.push(`${proto} ${remote.ip}:${remote.port}`);
    }
  }
  return found;
}

/** The IPv4 networks of this namespace's devices other than lo and WATCH_DEVICE (a real agent's pod bridge). */
export async function ownNetworks(): Promise<string[]> {
  const { stdout } = await run('ip', ['-4', '-o', 'route', 'show', 'scope', 'link']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] && f[0] !== 'default' && !f.includes(WATCH_DEVICE) && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(f[0]))
    .map((f) => f[0]);
}

/** Polls sockets every few ms and counts WATCH_DEVICE's packets: what left (or would have left) the machine. */
export class OffBoxWatch {
  private seen = new Set<string>();
  private timer?: NodeJS.Timeout;
  private basePackets = 0;
  private allowed: string[] = [];
  private stopped = false;

  async start(intervalMs = 50) {
    this.allowed = await ownNetworks();
    this.basePackets = await watchDevicePackets();
    const poll = async () => {
      for (const s of await offBoxSockets(this.allowed).catch(() => [])) this.seen.add(s);
      if (!this.stopped) this.timer = setTimeout(() => void poll(), intervalMs);
    };
    await poll();
  }

  /** Networks a real agent added since start (its pod bridge) are allowed too. */
  async refreshAllowed() {
    this.allowed = await ownNetworks();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** What was seen: sockets to off-box addresses and packets through the watch device since start. */
  async report(): Promise<{ sockets: string[]; packets: number }> {
    for (const s of await offBoxSockets(this.allowed)) this.seen.add(s);
    return { sockets: [...this.seen].sort(), packets: (await watchDevicePackets()) - this.basePackets };
  }
}
