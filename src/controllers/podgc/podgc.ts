// The pod garbage collector: pods bound to a Node that no longer exists have no agent to stop them
// or confirm their deletion, so they are deleted at once (grace period 0) once the node has been
// gone for a quarantine period (Kubernetes' PodGC uses 40 s), as kube-controller-manager does.

import { Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

const QUARANTINE_MS = () => Number(process.env.GIFEE_PODGC_QUARANTINE_MS ?? 40_000);

export class PodGCController extends Controller {
  private pods: Informer;
  private nodes: Informer;
  /** Node name -> when we first saw it missing. */
  private missingSince = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private client: RestClient, log: Logger) {
    super('podgc', log, 1);
    this.pods = new Informer(client, R.pods, log.child({ informer: 'pods' }));
    this.nodes = new Informer(client, R.nodes, log.child({ informer: 'nodes' }));
  }

  override start() {
    this.pods.start();
    this.nodes.start();
    void Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]).then(() => {
      if (this.stopped) return;
      super.start();
      // Level-triggered sweep: every few seconds, queue each pod whose node is missing.
      this.timer = setInterval(() => this.sweep(), Math.min(5000, Math.max(500, QUARANTINE_MS() / 4)));
      this.timer.unref();
    });
  }

  override stop() {
    this.stopped = true;
    clearInterval(this.timer);
    this.pods.stop();
    this.nodes.stop();
    super.stop();
  }

  private sweep() {
    const now = Date.now();
    const seen = new Set<string>();
    for (const p of this.pods.list()) {
      const node = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      if (!node || this.nodes.get(node)) continue;
      seen.add(node);
      if (!this.missingSince.has(node)) this.missingSince.set(node, now);
      if (now - this.missingSince.get(node)! >= QUARANTINE_MS()) this.queue.add(`${p.metadata!.namespace}/${p.metadata!.name}`);
    }
    for (const n of [...this.missingSince.keys()]) if (!seen.has(n)) this.missingSince.delete(n);
  }

  protected async reconcile(key: string) {
    const pod = this.pods.get(key);
    const node = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
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
