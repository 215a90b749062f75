// The namespace controller: a namespace being deleted is emptied (every namespaced resource the
// server serves, CRDs included), then its "kubernetes" finalizer is removed so the API server can
// delete it. Objects held by their own finalizers keep the namespace until they are gone.

import type { Namespace } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { discoverResources, type ServedResource } from '../../client/discovery.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

const NAMESPACES = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

export class NamespaceController extends Controller {
  private informer: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('namespace', log, factory);
    this.informer = this.informers.informer(NAMESPACES);
    // Only namespaces being deleted have work.
    this.watch(this.informer, (_old, o) => (o?.metadata?.deletionTimestamp ? o.metadata.name : undefined));
  }

  protected async reconcile(name: string) {
    const ns = this.informer.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    const resources = (await discoverResources(this.client)).filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
    const remaining = await this.deleteContent(name, resources);
    if (remaining > 0) {
      this.log.info('namespace still has content; waiting', { namespace: name, remaining });
      this.queue.addAfter(name, 1000);
      return;
    }
    const live = (await this.client.get(NAMESPACES, undefined, name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))) as KObject | undefined;
    if (!live) return;
    const finalizers = ((live as Namespace).spec?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    await this.client.update(NAMESPACES, { ...live, spec: { ...(live.spec as object), finalizers } }, 'finalize');
    this.log.info('namespace emptied; finalized', { namespace: name });
  }

  /** Delete everything in the namespace; returns how many objects are still there. */
  private async deleteContent(ns: string, resources: ServedResource[]): Promise<number> {
    let remaining = 0;
    await Promise.all(
      resources.map(async (r) => {
        const list = await this.client.list(r, ns);
        for (const o of list.items) {
          if (o.metadata?.deletionTimestamp) {
            remaining++;
            continue;
          }
          const after = (await this.client.delete(r, ns, o.metadata!.name!, { propagationPolicy: 'Background' }).catch((e) => {
            if (!isNotFound(e)) throw e;
            return undefined;
          })) as KObject | undefined;
          // 200 with the object means gone; an object still carrying deletionTimestamp waits on finalizers.
          if (after?.metadata?.deletionTimestamp) remaining++;
        }
      }),
    );
    return remaining;
  }
}
