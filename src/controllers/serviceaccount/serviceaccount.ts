// The service-account controller: every active namespace has a ServiceAccount named "default"
// (created when the namespace appears, recreated if deleted), which pods without
// spec.serviceAccountName run as.

import type { Namespace } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNamespaceTerminating, StatusError, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

export class ServiceAccountController extends Controller {
  private namespaces: InformerLike;
  private accounts: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('serviceaccount', log, factory);
    this.namespaces = this.informers.informer(R.namespaces);
    this.accounts = this.informers.informer(R.serviceaccounts);
    this.watch(this.namespaces, (_old, o) => o?.metadata?.name);
    // A deleted default account is made again.
    this.watch(this.accounts, (old, o) => (o ? undefined : old?.metadata?.namespace));
  }

  protected async reconcile(namespace: string) {
    const ns = this.namespaces.get(namespace);
    // A terminating namespace refuses creates; a missing one needs nothing.
    if (!ns || ns.metadata?.deletionTimestamp || (ns as Namespace).status?.phase === 'Terminating') return;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.accounts.get(`${namespace}/${name}`)) continue;
      const sa: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.client.create(R.serviceaccounts, namespace, sa);
        this.log.info('created service account', { namespace, name });
      } catch (e) {
        if (e instanceof StatusError && e.code === 409) continue; // already there: our cache is behind
        if (isNamespaceTerminating(e)) return;
        if (e instanceof StatusError && e.code === 404) return; // namespace just went away
        throw e;
      }
    }
  }
}
