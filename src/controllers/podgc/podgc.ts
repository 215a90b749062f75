// The pod garbage collector: pods bound to a Node that no longer exists have no agent to stop them
// or confirm their deletion, so they are deleted at once (grace period 0) once the node has been
// gone for a quarantine period (Kubernetes' PodGC uses 40 s), as kube-controller-manager does.

import type { Pod } from '../../api/core/index.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { byNodeName, INDEX_NODE_NAME } from '../../client/indexer.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

/** How long a node must be gone before its pods are collected (Kubernetes' 40 s). */
export const DEFAULT_QUARANTINE_MS = 40_000;

export class PodGCController extends Controller {
  private pods: InformerLike;
  private nodes: InformerLike;
  /** Node name -> when we first saw it missing. */
  private missingSince = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  private readonly quarantineMs: number;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    opts: { quarantineMs?: number } = {},
  ) {
    super('podgc', log, factory, 1);
    this.quarantineMs = opts.quarantineMs ?? DEFAULT_QUARANTINE_MS;
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_NODE_NAME]: byNodeName });
    this.nodes = this.informers.informer(R.nodes);
  }

  protected override async onCachesSynced() {
    // Level-triggered sweep: every few seconds, queue each pod whose node is missing.
    this.timer = setInterval(() => this.sweep(), Math.min(5000, Math.max(500, this.quarantineMs / 4)));
    this.timer.unref();
  }

  protected override onStop() {
    clearInterval(this.timer);
  }

  private sweep() {
    const now = Date.now();
    const seen = new Set<string>();
    // Walk the nodes pods are bound to (the index's values), not every pod.
    for (const node of this.pods.indexValues(INDEX_NODE_NAME)) {
      if (this.nodes.get(node)) continue;
      seen.add(node);
      if (!this.missingSince.has(node)) this.missingSince.set(node, now);
      if (now - this.missingSince.get(node)! < this.quarantineMs) continue;
      for (const p of this.pods.byIndex(INDEX_NODE_NAME, node)) this.queue.add(`${p.metadata!.namespace}/${p.metadata!.name}`);
    }
    for (const n of [...this.missingSince.keys()]) if (!seen.has(n)) this.missingSince.delete(n);
  }

  protected async reconcile(key: string) {
    const pod = this.pods.get(key);
    const node = (pod as Pod | undefined)?.spec?.nodeName;
    if (!pod || !node || this.nodes.get(node)) return;
    const [namespace, name] = key.split('/');
    try {
      await this.client.delete(R.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } });
      this.log.info('deleted a pod whose node is gone', { pod: key, node });
    } catch (e) {
      if (!isNotFound(e) && (e as { code?: number }).code !== 409) throw e;
    }
  }
}
