// The ingress-status controller: writes, into every Ingress gifee's built-in controller serves
// (src/api/ingress-class.ts), status.loadBalancer.ingress = the addresses it is served at — the
// Ready nodes whose agent's ingress controller listens (plan.ts) — so `kubectl get ingress` shows an
// ADDRESS and tools waiting for one (Helm --wait, Argo CD health) go on, as with k3s' Traefik. One
// writer in the leader-elected controller manager rather than every agent, so nodes never fight
// over the list. An Ingress that moved to another class keeps what its new controller writes.

import type { Node } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { isGifeeIngress, NODE_INGRESS_ANNOTATION } from '../../api/ingress-class.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import type { ResourceRef, RestClient } from '../../client/rest.js';
import { isNotFound } from '../../client/rest.js';
import { R } from '../../client/resources.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { ingressAddresses } from './plan.js';

const INGRESSES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses' };
const INGRESS_CLASSES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', namespaced: false };

type Ing = KObject & { spec?: { ingressClassName?: string }; status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } };
type NodeObj = Node;

const KEY = 'all';

/** What of a Node the addresses depend on: a heartbeat that changes none of it enqueues nothing. */
function nodeFacts(n: KObject | undefined): string {
  if (!n) return '';
  const node = n as NodeObj;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return JSON.stringify([node.metadata?.annotations?.[NODE_INGRESS_ANNOTATION], ready, node.status?.addresses, node.metadata?.labels, !!node.metadata?.deletionTimestamp]);
}

export class IngressStatusController extends Controller {
  private ingresses: InformerLike;
  private classes: InformerLike;
  private nodes: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('ingress-status', log, factory, 1);
    this.ingresses = this.informers.informer(INGRESSES);
    this.classes = this.informers.informer(INGRESS_CLASSES);
    this.nodes = this.informers.informer(R.nodes);
    const all = () => KEY;
    this.watch(this.ingresses, all);
    this.watch(this.classes, all);
    this.watch(this.nodes, (old, o) => (nodeFacts(old) === nodeFacts(o) ? undefined : KEY));
  }

  protected async reconcile(): Promise<void> {
    const classes = this.classes.list();
    const ips = ingressAddresses(this.nodes.list());
    let failed: unknown;
    for (const ing of this.ingresses.list() as Ing[]) {
      if (ing.metadata?.deletionTimestamp || !isGifeeIngress(ing, classes)) continue;
      await this.write(ing, ips).catch((e) => (failed = e));
    }
    if (failed) throw failed;
  }

  private async write(ing: Ing, ips: string[]) {
    const now = ing.status?.loadBalancer?.ingress ?? [];
    if (now.length === ips.length && now.every((e, i) => e.ip === ips[i] && !e.hostname)) return;
    // A merge patch: null removes the list (an empty one would be kept as []).
    const ingress = ips.length ? ips.map((ip) => ({ ip })) : null;
    const where = `${ing.metadata!.namespace}/${ing.metadata!.name}`;
    try {
      await this.client.patch(INGRESSES, ing.metadata!.namespace, ing.metadata!.name!, { status: { loadBalancer: { ingress } } }, 'merge', 'status');
      this.log.info('ingress status written', { ingress: where, addresses: ips });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
