// kube-system/extension-apiserver-authentication: how this server authenticates clients, which
// extension API servers read (they are allowed to by the extension-apiserver-authentication-reader
// Role) to trust the same client CA and this server's front-proxy requests. Kept as Kubernetes'
// cluster-authentication-trust controller keeps it: the same keys, list values as JSON arrays.

import { randomUUID } from 'node:crypto';
import type { KObject } from '../../api/kind.js';
import type { ApiState } from '../context.js';
import { nowSeconds } from '../prepare.js';
import type { RequestHeaderOptions } from '../authn/requestheader.js';

export const EXTENSION_AUTH_CONFIGMAP = 'extension-apiserver-authentication';

export function extensionAuthData(clientCA: string, rh: RequestHeaderOptions | undefined): Record<string, string> {
  const data: Record<string, string> = { 'client-ca-file': clientCA };
  if (rh) {
    data['requestheader-client-ca-file'] = rh.clientCA;
    data['requestheader-allowed-names'] = JSON.stringify(rh.allowedNames);
    data['requestheader-username-headers'] = JSON.stringify(rh.usernameHeaders);
    data['requestheader-group-headers'] = JSON.stringify(rh.groupHeaders);
    data['requestheader-extra-headers-prefix'] = JSON.stringify(rh.extraHeaderPrefixes);
  }
  return data;
}

/** Creates or updates the ConfigMap so it says what this server does now. */
export async function publishExtensionAuth(state: ApiState, data: Record<string, string>): Promise<void> {
  const def = state.registry.byResource('', 'v1', 'configmaps');
  if (!def) return;
  const objects = state.objects(def);
  const cur = await objects.get('kube-system', EXTENSION_AUTH_CONFIGMAP);
  if (!cur) {
    const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: EXTENSION_AUTH_CONFIGMAP, namespace: 'kube-system', uid: randomUUID(), creationTimestamp: nowSeconds() }, data };
    try {
      await objects.create(cm);
      return;
    } catch (e) {
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
  }
  await objects.guaranteedUpdate('kube-system', EXTENSION_AUTH_CONFIGMAP, (o) => (JSON.stringify(o.data) === JSON.stringify(data) ? null : { ...o, data }));
}
