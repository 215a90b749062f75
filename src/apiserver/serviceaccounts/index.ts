// Service accounts in the API server: TokenRequest (serviceaccounts/token), the token
// authenticator, the ServiceAccount admission plugin and issuer discovery, installed together.

import { randomUUID } from 'node:crypto';
import { STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_SERVICE_ACCOUNT } from '../../api/auth/storage-sidecars.js';
import { INGRESS_CONTROLLER_NAMESPACE, INGRESS_CONTROLLER_SERVICE_ACCOUNT } from '../../api/auth/ingress-controller.js';
import { defaultObject } from '../../api/defaults.js';
import { SYSTEM_NAMESPACES } from '../bootstrap.js';
import type { ApiState } from '../context.js';
import { nowSeconds } from '../prepare.js';
import { serviceAccountAdmission } from './admission.js';
import { ServiceAccountTokenAuthenticator } from './authenticator.js';
import { resolveServiceAccountTokens, type ServiceAccountOptions, type ServiceAccountTokens } from './options.js';

export type { ServiceAccountOptions } from './options.js';
export { serveIssuerDiscovery } from './oidc-discovery.js';
export { serviceAccountTokensOf } from './options.js';

export async function installServiceAccounts(state: ApiState, o: ServiceAccountOptions): Promise<ServiceAccountTokens> {
  const t = await resolveServiceAccountTokens(state, o);
  state.tokenAuthenticators.push(new ServiceAccountTokenAuthenticator(state, t));
  state.admission.register(serviceAccountAdmission(state));
  return t;
}

/**
 * The "default" accounts of the namespaces the server itself creates, so pods can be created there
 * before (or without) the controller manager, which makes them in every other namespace; and the
 * accounts the agents' storage sidecars and ingress controllers act as (agents may ask only for
 * their tokens, not create them).
 */
export async function ensureDefaultServiceAccounts(state: ApiState) {
  const def = state.registry.byResource('', 'v1', 'serviceaccounts');
  if (!def) return;
  const objects = state.objects(def);
  const accounts: [string, string][] = [...SYSTEM_NAMESPACES.map((ns): [string, string] => [ns, 'default']), [STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_SERVICE_ACCOUNT], [INGRESS_CONTROLLER_NAMESPACE, INGRESS_CONTROLLER_SERVICE_ACCOUNT]];
  for (const [namespace, name] of accounts) {
    if (await objects.get(namespace, name)) continue;
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, uid: randomUUID(), creationTimestamp: nowSeconds() } };
    defaultObject(def, sa);
    try {
      await objects.create(sa);
    } catch (e) {
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
  }
}
