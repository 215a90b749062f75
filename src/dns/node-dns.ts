// Cluster DNS for one node, as the node agent runs it (the lead's design): the server listens on
// port 53 of the node's pod-bridge gateway, the first IP of node.spec.podCIDR, which every pod on
// the node routes to; pods' resolv.conf names that address. The gateway address normally appears
// on the bridge only when CNI wires the first pod, so it is put there first (exactly as the CNI
// bridge plugin would: same bridge, same address and prefix, which the plugin then finds and
// keeps), and the server starts before any pod needs it. A changed pod CIDR moves the server.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RestClient } from '../client/rest.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { Logger } from '../util/log.js';
import { formatIPv4, parseIPv4 } from '../util/ipv4.js';
import { hostResolvers } from './host-resolvers.js';
import { startDnsServer, type DnsServer } from './server.js';

const run = promisify(execFile);

/** The first address of an IPv4 CIDR: 10.42.3.0/24 -> 10.42.3.1. */
export function gatewayOf(cidr: string): string {
  const [ip, bits] = cidr.split('/');
  const n = parseIPv4(ip) ?? 0;
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const g = ((n & mask) >>> 0) + 1;
  return formatIPv4(g);
}

/** Creates the bridge if it is missing, gives it gateway/prefix and brings it up. Idempotent. */
export async function ensureGatewayAddress(bridge: string, cidr: string): Promise<string> {
  const gw = gatewayOf(cidr);
  const prefix = cidr.split('/')[1];
  if (
    !(await run('ip', ['link', 'show', 'dev', bridge]).then(
      () => true,
      () => false,
    ))
  ) {
    // The CNI plugin may be creating it at this very moment: "exists" is success.
    await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']).catch((e) => {
      if (!/exists/i.test(String(e.stderr ?? e))) throw e;
    });
  }
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge]);
  if (!stdout.includes(` ${gw}/${prefix} `)) {
    await run('ip', ['addr', 'add', `${gw}/${prefix}`, 'dev', bridge]).catch((e) => {
      if (!/exists/i.test(String(e.stderr ?? e))) throw e;
    });
  }
  await run('ip', ['link', 'set', bridge, 'up']);
  return gw;
}

export interface NodeDnsOptions {
  client: RestClient;
  /** The process's shared informers; without them this component keeps its own. */
  informers?: InformerFactory;
  /** The node's pod bridge (the agent's --bridge). */
  bridge: string;
  clusterDomain?: string;
  /** Defaults to the host's resolvers (hostResolvers()). */
  upstream?: string[];
  /** 53 unless testing. */
  port?: number;
  watchPods?: boolean;
  log: Logger;
}

const RETRY_MS = 2000;

export class NodeDns {
  private cidr?: string;
  private server?: DnsServer;
  private serving?: string;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private o: NodeDnsOptions) {}

  /** The address pods should use as their nameserver (DnsSettings.clusterDNS), once the pod CIDR is known. */
  get address(): string | undefined {
    return this.cidr ? gatewayOf(this.cidr) : undefined;
  }

  /** Whether the server is answering on the current gateway address. */
  get ready(): boolean {
    return !!this.server && this.serving === this.cidr;
  }

  /** Call with node.spec.podCIDR whenever it is learned or changes; (re)starts the server. Never throws. */
  setPodCIDR(cidr: string | undefined): Promise<void> {
    if (cidr === this.cidr) return this.chain;
    this.cidr = cidr;
    clearTimeout(this.retry);
    return (this.chain = this.chain.then(() => this.reconcile()));
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    // A start blocked on an unreachable API server must not block stopping: stop it when it lands.
    const settled = await Promise.race([this.chain.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000).unref())]);
    if (!settled) void this.chain.then(() => this.server?.stop());
    await this.server?.stop();
    this.server = undefined;
  }

  private async reconcile() {
    if (this.stopped || this.serving === this.cidr) return;
    if (this.server) {
      await this.server.stop().catch((e) => this.o.log.warn('stopping cluster DNS failed', { err: e }));
      this.server = undefined;
      this.serving = undefined;
    }
    const cidr = this.cidr;
    if (!cidr) return;
    try {
      const host = await ensureGatewayAddress(this.o.bridge, cidr);
      const upstream = this.o.upstream ?? (await hostResolvers());
      this.server = await startDnsServer({ client: this.o.client, informers: this.o.informers, listen: { host, port: this.o.port ?? 53 }, clusterDomain: this.o.clusterDomain, upstream, watchPods: this.o.watchPods, log: this.o.log });
      this.serving = cidr;
    } catch (e) {
      this.o.log.error('cluster DNS could not start; retrying', { podCIDR: cidr, bridge: this.o.bridge, err: e, retryMs: RETRY_MS });
      this.retry = setTimeout(() => {
        this.chain = this.chain.then(() => this.reconcile());
      }, RETRY_MS);
    }
  }
}
