// The service proxy on every node (gifee's kube-proxy, nftables mode): watches Services,
// EndpointSlices and its own Node, and after each burst of changes (debounced) writes the whole
// desired ruleset into its own nftables table in one transaction, and serves the health check node
// ports of Services with externalTrafficPolicy Local. The table is removed on stop.

import type { Node } from '../api/core/index.js';
import { informerScope, type InformerFactory } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import type { RestClient } from '../client/rest.js';
import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { buildServicePorts, isIPv4, type ServicePort } from './model.js';
import { prepareHost } from './nftables/host-setup.js';
import { deleteTable, nftApply } from './nftables/nft.js';
import { renderRuleset, ruleCount } from './nftables/rules.js';
import { buildTransaction, type AppliedState } from './nftables/transaction.js';
import { healthCheckServers, healthCheckTargets } from './health-check.js';
import { startAnnouncer } from './announcer.js';
import { ignoreError, logFailure } from '../util/best-effort.js';

export interface ProxyOptions {
  client: RestClient;
  /** The process's shared informers; without them this component keeps its own. */
  informers?: InformerFactory;
  nodeName: string;
  /** Addresses NodePorts answer on; the Node's InternalIP/ExternalIP addresses are added as they appear. */
  nodeIPs: string[];
  log: Logger;
  /** nftables table (family ip) this proxy owns; one per node. */
  tableName?: string;
  /** The pods' CIDR: service traffic from outside it is masqueraded. */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  /** The API server's --service-cidr: unknown addresses in it are refused instead of routed off the node. */
  serviceCIDRs?: string[];
  /** NodePorts on 127.0.0.1 (sets route_localnet, as kube-proxy's iptables mode does). Default true. */
  localhostNodePorts?: boolean;
  /** Announce the load balancer pool addresses this node owns on the interface of nodeIPs[0] (default true). */
  announceLoadBalancerIPs?: boolean;
  /** Where health check node ports listen (default all addresses, as kube-proxy). */
  healthCheckBindAddress?: string;
  /** Quiet time after a change before rules are written (default 50 ms). */
  debounceMs?: number;
  /** Called after each successful sync (benchmarks and tests wait on it). */
  onSync?(info: { ports: ServicePort[]; durationMs: number; rules: number }): void;
}

export interface ServiceProxy {
  tableName: string;
  /** Resolves after the next successful sync that starts after this call. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

// kube-proxy's name and buckets (1 ms doubling to about 16 s), by nftables table.
const syncDuration = metrics.histogram(
  'kubeproxy_sync_proxy_rules_duration_seconds',
  'Seconds to compute and apply the service proxy rules, by table.',
  Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
);
const ruleGauge = metrics.gauge('gifee_proxy_rules', 'nftables rules and set elements the service proxy holds.');
const syncErrors = metrics.counter('gifee_proxy_sync_errors_total', 'Service proxy syncs that failed to apply.');

export async function startServiceProxy(o: ProxyOptions): Promise<ServiceProxy> {
  const tableName = o.tableName ?? 'gifee-proxy';
  const log = o.log.child({ table: tableName });
  const localhostNodePorts = o.localhostNodePorts ?? true;
  await prepareHost({ localhostNodePorts }, log);
  await deleteTable(tableName); // leftovers of a crashed run: the first sync rebuilds everything

  const informers = informerScope({ client: o.client, informers: o.informers, log }, 'service-proxy');
  const services = informers.informer(R.services);
  const slices = informers.informer(R.endpointslices);
  const node = informers.informer(R.nodes, { query: { fieldSelector: `metadata.name=${o.nodeName}` } });
  // Every node: which one announces each load balancer address (announcer.ts).
  const announce = (o.announceLoadBalancerIPs ?? true) && isIPv4(o.nodeIPs[0]);
  const allNodes = announce ? informers.informer(R.nodes) : undefined;
  const announcer = announce ? startAnnouncer({ nodeName: o.nodeName, nodeIP: o.nodeIPs[0], log: log.child({ part: 'announcer' }) }) : undefined;

  let applied: AppliedState | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let failures = 0;
  let waiters: (() => void)[] = [];
  let started = false;
  const healthChecks = healthCheckServers({ bindAddress: o.healthCheckBindAddress, log });

  const nodePortIPs = () => {
    const ips = new Set(o.nodeIPs.filter(isIPv4));
    for (const n of node.list()) {
      for (const a of (n as Node).status?.addresses ?? []) {
        if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && isIPv4(a.address)) ips.add(a.address);
      }
    }
    if (localhostNodePorts) ips.add('127.0.0.1');
    return [...ips];
  };

  const sync = async () => {
    const start = performance.now();
    const ports = buildServicePorts(services.list(), slices.list(), o.nodeName);
    const ruleset = renderRuleset(ports, { nodePortIPs: nodePortIPs(), clusterCIDR: o.clusterCIDR, masqueradeAll: o.masqueradeAll, serviceCIDRs: o.serviceCIDRs, guardLocalnet: localhostNodePorts });
    const { script, state } = buildTransaction(tableName, ruleset, applied);
    try {
      await nftApply(script);
    } catch (e) {
      applied = undefined; // next time, rebuild the table from scratch
      throw e;
    }
    applied = state;
    await healthChecks.update(healthCheckTargets(ports));
    await announcer?.update(services.list(), slices.list(), allNodes!.list());
    const durationMs = performance.now() - start;
    const rules = ruleCount(ruleset);
    syncDuration.observe(durationMs / 1000, { table: tableName });
    ruleGauge.set(rules, { table: tableName });
    log.debug('service rules applied', { services: ports.length, rules, durationMs: Math.round(durationMs * 10) / 10 });
    o.onSync?.({ ports, durationMs, rules });
  };

  const runSync = () => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      dirty = true;
      return;
    }
    dirty = false;
    const ws = waiters;
    waiters = [];
    running = sync()
      .then(
        () => {
          failures = 0;
          for (const w of ws) w();
        },
        (e) => {
          failures++;
          syncErrors.inc({ table: tableName });
          log.error('applying service rules failed; retrying', { err: e, failures });
          waiters.push(...ws);
          dirty = true;
        },
      )
      .finally(() => {
        running = undefined;
        if (dirty && !stopped) schedule(failures ? Math.min(1000 * 2 ** (failures - 1), 30_000) : undefined);
      });
  };

  const schedule = (delay = o.debounceMs ?? 50) => {
    if (stopped || timer) return;
    if (!started) {
      dirty = true; // the first sync runs once both caches are filled; changes during it sync after
      return;
    }
    timer = setTimeout(runSync, delay);
  };

  const onChange = { onAdd: () => schedule(), onUpdate: () => schedule(), onDelete: () => schedule() };
  for (const i of [services, slices, node, ...(allNodes ? [allNodes] : [])]) i.addHandlers(onChange);
  informers.start();
  const stopInformers = () => informers.close();
  try {
    await Promise.all([services.waitForSync(), slices.waitForSync(), allNodes?.waitForSync()]);
    await sync();
  } catch (e) {
    stopInformers();
    await healthChecks.close();
    await announcer?.stop();
    await deleteTable(tableName).catch(logFailure(log, 'removing the service proxy table after a failed start', { table: tableName }));
    throw e;
  }
  started = true;
  if (dirty) {
    dirty = false;
    schedule();
  }
  log.info('service proxy started (nftables)', { node: o.nodeName, nodePortIPs: nodePortIPs() });

  return {
    tableName,
    synced: () =>
      new Promise<void>((r) => {
        waiters.push(r);
        schedule();
      }),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      stopInformers();
      await running?.catch(ignoreError('never rejects: a failed sync is logged where it runs'));
      await healthChecks.close();
      await announcer?.stop().catch((e) => log.warn('could not remove the announced load balancer addresses', { err: e }));
      await deleteTable(tableName).catch((e) => log.warn('could not remove the service proxy table', { err: e }));
      log.info('service proxy stopped; its nftables table is removed');
    },
  };
}
