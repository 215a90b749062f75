// The token cleaner (kube-controller-manager's tokencleaner): a bootstrap token Secret is deleted
// once its expiration has passed, so an expired join token cannot be used even if the
// authenticator's expiry check were skipped.

import { BOOTSTRAP_TOKEN_NAMESPACE, isExpired, readTokenSecret } from '../../api/bootstrap-token.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';

export class TokenCleanerController extends Controller {
  private secrets: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('tokencleaner', log, factory);
    this.secrets = this.informers.informer(R.secrets, { namespace: BOOTSTRAP_TOKEN_NAMESPACE, query: { fieldSelector: 'type=bootstrap.kubernetes.io/token' } });
    this.watch(this.secrets, ownKey);
  }

  protected async reconcile(key: string) {
    const secret = this.secrets.get(key);
    if (!secret) return;
    const data = readTokenSecret(secret as { type?: unknown; data?: unknown });
    if (!data?.expiration) return;
    if (!isExpired(data.expiration)) {
      const left = Date.parse(data.expiration) - Date.now();
      return { requeueAfter: Math.min(left + 100, 2 ** 31 - 1) };
    }
    const name = key.split('/')[1];
    try {
      await this.client.delete(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, name, { preconditions: { uid: secret.metadata?.uid } });
      this.log.info('deleted an expired bootstrap token', { secret: name });
    } catch (e) {
      if (!isNotFound(e) && (e as { code?: number }).code !== 409) throw e;
    }
  }
}
