// The built-in load balancer controller (k3s' servicelb, without its DaemonSet): gives every
// Service of type LoadBalancer (without a spec.loadBalancerClass of another implementation) its
// address in status.loadBalancer.ingress — from the pool of --lb-ip-range, which the agent of the
// owning node then announces on its interface (src/proxy/announcer.ts), or, without a pool, the
// IPs of the Ready nodes, where every node's service proxy answers the Service's ports. The
// nodes' proxies route the address to the endpoints (src/proxy). Conflicts and an empty pool
// leave the Service pending with a Warning event; a Service that is no longer a LoadBalancer has
// its addresses removed. Every change is planned over all Services at once (plan.ts), so the
// oldest Service wins a conflict whatever order the changes come in.

import type { EndpointSlice, Service } from '../../api/core/index.js';
import { isBuiltinLoadBalancer, lbNodes } from '../../api/load-balancer.js';
import { LABEL_SERVICE_NAME } from '../../api/well-known.js';
import { EventRecorder } from '../../client/events.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { metrics } from '../../util/metrics.js';
import { Controller } from '../controller.js';
import { IpPool } from './ip-pool.js';
import { LB_IP_ANNOTATION, type LbDecision, type LbService, planNodeIPs, planPool } from './plan.js';

const pendingGauge = metrics.gauge('gifee_loadbalancer_services_pending', 'LoadBalancer Services without an address.');
const poolGauge = metrics.gauge('gifee_loadbalancer_pool_allocated', 'Addresses of the --lb-ip-range pool in use.');

type Svc = Service;
type SliceObj = EndpointSlice;

const KEY = 'all';

export { lbNodes } from '../../api/load-balancer.js';

export class ServiceLbController extends Controller {
  private services: InformerLike;
  private nodes: InformerLike;
  private slices: InformerLike;
  private events: EventRecorder;
  /** The last pending message each Service was told, so a Warning is recorded once per cause. */
  private told = new Map<string, string>();

  /** Throws a clear error for a bad --lb-ip-range (check before campaigning to lead). */
  static validate(opts: { lbIPRange?: string }) {
    if (opts.lbIPRange) IpPool.parse(opts.lbIPRange);
  }

  private pool?: IpPool;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    opts: { lbIPRange?: string } = {},
  ) {
    super('service-lb', log, factory, 1);
    this.pool = opts.lbIPRange ? IpPool.parse(opts.lbIPRange) : undefined;
    this.events = new EventRecorder(client, 'service-lb-controller', log);
    this.services = this.informers.informer(R.services);
    this.nodes = this.informers.informer(R.nodes);
    this.slices = this.informers.informer(R.endpointslices);
    const all = () => KEY;
    this.watch(this.services, all);
    this.watch(this.nodes, all);
    this.watch(this.slices, (old, o) => ((o ?? old)?.metadata?.labels?.[LABEL_SERVICE_NAME] ? KEY : undefined));
  }

  protected async reconcile(): Promise<void> {
    const all = this.services.list() as Svc[];
    const ours = all.filter(isBuiltinLoadBalancer);
    const endpointNodes = this.endpointNodesByService();
    const wanted: LbService[] = ours.map((s) => {
      const key = `${s.metadata!.namespace}/${s.metadata!.name}`;
      const requested = s.spec?.loadBalancerIP || s.metadata?.annotations?.[LB_IP_ANNOTATION] || undefined;
      return {
        key,
        created: s.metadata?.creationTimestamp ?? '',
        requested,
        current: (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean),
        ports: (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`),
        externalLocal: s.spec?.externalTrafficPolicy === 'Local',
        endpointNodes: endpointNodes.get(key) ?? [],
      };
    });
    const plan = this.pool ? planPool(wanted, this.pool) : planNodeIPs(wanted, lbNodes(this.nodes.list()));
    let failed: unknown;
    let pending = 0;
    let allocated = 0;
    for (const s of ours) {
      const key = `${s.metadata!.namespace}/${s.metadata!.name}`;
      const d = plan.get(key)!;
      if ('pending' in d) pending++;
      else allocated += d.ips.length;
      await this.apply(s, key, d).catch((e) => (failed = e));
    }
    // Services that are no longer load balancers of ours lose the addresses they were given.
    for (const s of all) {
      if (isBuiltinLoadBalancer(s) || !s.status?.loadBalancer?.ingress?.length || s.spec?.loadBalancerClass) continue;
      await this.writeIngress(s, []).catch((e) => (failed = e));
    }
    for (const k of this.told.keys()) if (!plan.has(k)) this.told.delete(k);
    pendingGauge.set(pending);
    if (this.pool) poolGauge.set(allocated);
    if (failed) throw failed;
  }

  private endpointNodesByService(): Map<string, string[]> {
    const out = new Map<string, Set<string>>();
    for (const sl of this.slices.list() as SliceObj[]) {
      const svc = sl.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (!svc) continue;
      const key = `${sl.metadata!.namespace}/${svc}`;
      for (const e of sl.endpoints ?? []) {
        if (!e.nodeName || e.conditions?.ready === false) continue;
        let set = out.get(key);
        if (!set) out.set(key, (set = new Set()));
        set.add(e.nodeName);
      }
    }
    return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
  }

  private async apply(s: Svc, key: string, d: LbDecision) {
    const ips = 'pending' in d ? [] : d.ips;
    if ('pending' in d) {
      if (this.told.get(key) !== d.message) {
        this.told.set(key, d.message);
        if (d.reason !== 'NoNodes') this.events.record(s, 'Warning', d.reason, d.message);
        this.log.info('load balancer pending', { service: key, reason: d.reason, message: d.message });
      }
    } else if (this.told.get(key) !== `ips:${ips.join(',')}`) {
      const before = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).join(',');
      if (before !== ips.join(',')) this.events.record(s, 'Normal', 'IPAllocated', `Assigned IP ${JSON.stringify(ips)}`);
      this.told.set(key, `ips:${ips.join(',')}`);
    }
    await this.writeIngress(s, ips);
  }

  private async writeIngress(s: Svc, ips: string[]) {
    const now = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    if (now.length === ips.length && now.every((ip, i) => ip === ips[i])) return;
    // A merge patch: null removes the list (an empty object would keep it).
    const ingress = ips.length ? ips.map((ip) => ({ ip, ipMode: 'VIP' })) : null;
    try {
      await this.client.patch(R.services, s.metadata!.namespace, s.metadata!.name!, { status: { loadBalancer: { ingress } } }, 'merge', 'status');
      this.log.info('load balancer status written', { service: `${s.metadata!.namespace}/${s.metadata!.name}`, ingress: ips });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
