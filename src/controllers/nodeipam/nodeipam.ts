// The node IPAM controller: gives every Node a pod CIDR (spec.podCIDR and spec.podCIDRs) from the
// cluster CIDR, one /nodeCIDRMaskSize each, which the node's agent hands to CNI and other nodes route
// to. The allocation lives only in the Nodes themselves: on start it is rebuilt from the podCIDRs of
// existing nodes before anything new is handed out, so restarts never reassign a CIDR in use.
// Simulated nodes (`gifee sim nodes`) get none: their pods take IPs from a range of their own that
// nothing routes (src/api/simulated-nodes.ts), and they do not use up the cluster CIDR.

import type { Node } from '../../api/core/index.js';
import { isSimulatedNode } from '../../api/simulated-nodes.js';
import { EventRecorder } from '../../client/events.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { metrics } from '../../util/metrics.js';
import { Controller } from '../controller.js';
import { CidrError, CidrSet } from './cidr-set.js';

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

type NodeObj = Node;

// kube-controller-manager's node IPAM names (its "cirdset" spelling included) with its clusterCIDR
// label; the count in use is gifee's own figure beside the ratio.
const allocatedGauge = metrics.gauge('nodeipam_cidrset_allocated', 'Node CIDRs in use, by cluster CIDR.');
const maxGauge = metrics.gauge('node_ipam_controller_cirdset_max_cidrs', 'Node CIDRs the cluster CIDR holds.');
const usageGauge = metrics.gauge('node_ipam_controller_cidrset_usage_cidrs', "Fraction of the cluster CIDR's node CIDRs allocated (0 to 1).");

export class NodeIpamController extends Controller {
  private informer: InformerLike;
  private cidrs: CidrSet;
  private events: EventRecorder;
  /** CIDRs this controller holds per node (by uid): the informer may not yet show a patch we made. */
  private assigned = new Map<string, { uid: string; cidr: string }>();

  /** Throws a clear error for a bad cluster CIDR or mask size (check before campaigning to lead). */
  static validate(opts: { clusterCIDR?: string; nodeCIDRMaskSize?: number }) {
    new CidrSet(opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.nodeCIDRMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE);
  }

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    opts: { clusterCIDR?: string; nodeCIDRMaskSize?: number } = {},
  ) {
    super('nodeipam', log, factory);
    this.cidrs = new CidrSet(opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.nodeCIDRMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE);
    this.events = new EventRecorder(client, 'node-ipam-controller', log);
    this.informer = this.informers.informer(R.nodes);
    this.informer.addHandlers({
      onAdd: (o) => this.queue.add(o.metadata!.name!),
      onUpdate: (old, o) => {
        if ((old as NodeObj).spec?.podCIDR !== (o as NodeObj).spec?.podCIDR || !(o as NodeObj).spec?.podCIDR) this.queue.add(o.metadata!.name!);
      },
      onDelete: (o) => {
        this.releaseFor(o.metadata!.name!, o.metadata!.uid!);
        this.queue.add(o.metadata!.name!);
      },
    });
  }

  /** Rebuild from existing nodes before the first allocation (the runtime starts workers after this). */
  protected override async onCachesSynced() {
    for (const n of this.informer.list()) this.record(n as NodeObj);
    this.log.info('node CIDR allocation rebuilt from existing nodes', { clusterCIDR: this.cidrs.clusterCIDR, maskSize: this.cidrs.maskSize, allocated: this.cidrs.allocated, size: this.cidrs.size });
    maxGauge.set(this.cidrs.size, { clusterCIDR: this.cidrs.clusterCIDR });
  }

  /** Take note of a CIDR a node already carries. */
  private record(n: NodeObj) {
    const cidr = n.spec?.podCIDR;
    if (!cidr) return;
    const name = n.metadata!.name!;
    try {
      this.cidrs.occupy(cidr);
      const prior = this.assigned.get(name);
      if (prior && prior.cidr !== cidr) this.cidrs.release(prior.cidr);
      this.assigned.set(name, { uid: n.metadata!.uid!, cidr });
    } catch (e) {
      if (!(e instanceof CidrError)) throw e;
      this.log.warn('node has a pod CIDR outside the cluster CIDR; leaving it as is', { node: name, podCIDR: cidr, err: e });
    }
    this.updateGauge();
  }

  private releaseFor(name: string, uid: string) {
    const a = this.assigned.get(name);
    if (!a || a.uid !== uid) return;
    this.assigned.delete(name);
    this.cidrs.release(a.cidr);
    this.updateGauge();
    this.log.info('released node CIDR', { node: name, podCIDR: a.cidr });
    // Nodes waiting for a CIDR (backing off after CIDRNotAvailable) can have this one now.
    for (const n of this.informer.list()) if (!(n as NodeObj).spec?.podCIDR && n.metadata!.name !== name) this.queue.add(n.metadata!.name!);
  }

  private updateGauge() {
    allocatedGauge.set(this.cidrs.allocated, { cidr: this.cidrs.clusterCIDR });
    usageGauge.set(this.cidrs.size > 0 ? this.cidrs.allocated / this.cidrs.size : 0, { clusterCIDR: this.cidrs.clusterCIDR });
  }

  protected async reconcile(name: string) {
    const node = this.informer.get(name) as NodeObj | undefined;
    if (!node || node.metadata?.deletionTimestamp) return;
    if (node.spec?.podCIDR) return this.record(node);
    if (isSimulatedNode(node)) return;
    const uid = node.metadata!.uid!;
    let held = this.assigned.get(name);
    if (held && held.uid !== uid) {
      this.releaseFor(name, held.uid); // a new node of the same name
      held = undefined;
    }
    let cidr = held?.cidr;
    if (!cidr) {
      try {
        cidr = this.cidrs.allocate();
      } catch (e) {
        if (e instanceof CidrError && e.reason === 'CIDRNotAvailable') {
          this.events.record(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable (${e.message})`);
        }
        throw e;
      }
      this.assigned.set(name, { uid, cidr });
      this.updateGauge();
    }
    try {
      await this.client.patch(R.nodes, undefined, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
    } catch (e) {
      if (isNotFound(e)) return this.releaseFor(name, uid);
      throw e; // keep the CIDR for this node; the retry patches the same one
    }
    this.log.info('assigned node CIDR', { node: name, podCIDR: cidr });
  }
}
