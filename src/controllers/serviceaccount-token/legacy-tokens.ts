// Legacy service account token Secrets, on request only (Kubernetes' tokens controller; nothing is
// ever created automatically): a Secret of type kubernetes.io/service-account-token annotated
// kubernetes.io/service-account.name gets a non-expiring token for that account, the cluster CA and
// the namespace; its uid annotation is filled in. A Secret whose account does not exist (or has
// another uid) is deleted, as Kubernetes does, and so are an account's token Secrets when it goes.

import type { KObject } from '../../api/kind.js';
import { legacyClaims, type TokenSigner } from '../../api/auth/sa-token.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

export const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const BY_ACCOUNT = 'serviceaccount';

export class LegacyTokenController extends Controller {
  private secrets: InformerLike;
  private accounts: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    private signer: TokenSigner,
    private caCert: string,
  ) {
    super('serviceaccount-token', log, factory);
    this.secrets = this.informers.informer(R.secrets, {}, { [BY_ACCOUNT]: (o) => (o.type === TOKEN_SECRET_TYPE && o.metadata?.annotations?.[SA_NAME_ANNOTATION] ? [`${o.metadata.namespace}/${o.metadata.annotations[SA_NAME_ANNOTATION]}`] : []) });
    this.accounts = this.informers.informer(R.serviceaccounts);
    this.watch(this.secrets, (old, o) => ((o ?? old)?.type === TOKEN_SECRET_TYPE ? keyOf(o ?? old!) : undefined));
    // An account that goes (or is recreated with another uid) takes its token Secrets along.
    this.watch(this.accounts, (old, o) => this.secrets.byIndex(BY_ACCOUNT, keyOf((o ?? old)!)).map(keyOf));
  }

  protected async reconcile(key: string) {
    const secret = this.secrets.get(key);
    if (!secret || secret.type !== TOKEN_SECRET_TYPE || secret.metadata?.deletionTimestamp) return;
    const ns = secret.metadata!.namespace!;
    const saName = secret.metadata?.annotations?.[SA_NAME_ANNOTATION];
    if (!saName) return; // validation requires it; nothing to do for a Secret without one
    let sa = this.accounts.get(`${ns}/${saName}`);
    const wantedUid = secret.metadata?.annotations?.[SA_UID_ANNOTATION];
    if (!sa || (wantedUid && sa.metadata?.uid !== wantedUid)) {
      // The cache may be behind a just-created account: ask the API before deleting anything.
      sa = await this.client.get(R.serviceaccounts, ns, saName).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (!sa || (wantedUid && sa.metadata?.uid !== wantedUid)) {
        await this.client.delete(R.secrets, ns, secret.metadata!.name!, { preconditions: { uid: secret.metadata!.uid } }).catch((e) => (isNotFound(e) || (e instanceof StatusError && e.code === 409) ? undefined : Promise.reject(e)));
        this.log.info('deleted a token Secret whose service account is gone', { namespace: ns, secret: secret.metadata!.name, serviceAccount: saName });
        return;
      }
    }
    const data = (secret.data ?? {}) as Record<string, string>;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    if (data.token && data['ca.crt'] === b64(this.caCert) && data.namespace === b64(ns) && wantedUid === sa.metadata?.uid) return;
    const token = data.token && wantedUid === sa.metadata?.uid ? Buffer.from(data.token, 'base64').toString() : await this.signer.sign(legacyClaims(ns, { name: saName, uid: sa.metadata!.uid! }, secret.metadata!.name!));
    const next: KObject = structuredClone(secret);
    next.metadata!.annotations = { ...next.metadata!.annotations, [SA_UID_ANNOTATION]: sa.metadata!.uid! };
    next.data = { ...data, token: b64(token), 'ca.crt': b64(this.caCert), namespace: b64(ns) };
    try {
      await this.client.update(R.secrets, next);
      this.log.info('filled a service account token Secret', { namespace: ns, secret: secret.metadata!.name, serviceAccount: saName });
    } catch (e) {
      if (e instanceof StatusError && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }
}

const keyOf = (o: KObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
