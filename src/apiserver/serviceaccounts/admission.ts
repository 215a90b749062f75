// Kubernetes' ServiceAccount admission plugin, for pods being created: a pod without a service
// account runs as "default"; the account must exist ("error looking up service account NS/NAME",
// 403); unless the pod or its account opts out (automountServiceAccountToken: false), every
// container and init container gets the account's API credentials, read-only, at
// /var/run/secrets/kubernetes.io/serviceaccount: one projected volume kube-api-access-XXXXX with a
// bound token (refreshed by the node agent), the cluster CA (kube-root-ca.crt) and the namespace.
// A pod without imagePullSecrets gets its account's.

import { randomInt } from 'node:crypto';
import type { PodSpec as CorePodSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { forbidden } from '../../api/errors.js';
import { ANNOTATION_MIRROR_POD } from '../../api/well-known.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/chain.js';
import type { ApiState } from '../context.js';
import { lookup } from './lookup.js';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** Kubernetes' odd expiry: 3607 s marks tokens made for this volume (1 h plus a little). */
export const TOKEN_VOLUME_EXPIRATION_SECONDS = 3607;
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const MIRROR_ANNOTATION = ANNOTATION_MIRROR_POD;
/** Lookups of a namespace's default account before giving up (Kubernetes': 10, 100-200 ms apart): the controller makes it just after the namespace. */
const DEFAULT_ACCOUNT_ATTEMPTS = 10;

/** Kubernetes' generated-name alphabet (no vowels, no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export const randomSuffix = (n = 5) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** What the plugin reads and writes of a pod's spec. */
type PodSpec = Pick<CorePodSpec, 'serviceAccountName' | 'serviceAccount' | 'automountServiceAccountToken' | 'containers' | 'initContainers' | 'volumes' | 'imagePullSecrets'>;

/** The projected volume source Kubernetes adds (fully defaulted: admission runs after defaulting). */
export function tokenVolumeSource() {
  return {
    defaultMode: 0o644,
    sources: [{ serviceAccountToken: { expirationSeconds: TOKEN_VOLUME_EXPIRATION_SECONDS, path: 'token' } }, { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }],
  };
}

/** Adds the token volume and its mounts to spec, as Kubernetes' plugin does (containers with their own mount at the path are left alone). */
export function mountServiceAccountToken(spec: PodSpec, suffix: () => string = randomSuffix) {
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing?.name ?? `${TOKEN_VOLUME_PREFIX}${suffix()}`;
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    needed = true;
  }
  if (needed && !existing) spec.volumes = [...(spec.volumes ?? []), { name: volumeName, projected: tokenVolumeSource() }];
}

export function serviceAccountAdmission(state: ApiState, defaultAttempts = DEFAULT_ACCOUNT_ATTEMPTS): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    handles: (a: AdmissionRequest) => a.operation === 'CREATE' && a.subresource === '' && a.rc.def.group === '' && a.rc.def.kind === 'Pod' && !!a.obj,
    async mutate(a) {
      const pod = a.obj!;
      if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      const spec = (pod.spec ??= {}) as PodSpec;
      if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
      spec.serviceAccount = spec.serviceAccountName;
      const namespace = pod.metadata?.namespace ?? a.rc.info.namespace ?? '';
      const sa = await findAccount(state, namespace, spec.serviceAccountName, spec.serviceAccountName === 'default' ? defaultAttempts : 1);
      if (!sa) throw forbidden({ group: '', resource: 'pods' }, pod.metadata?.name ?? '', `error looking up service account ${namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
      const automount = spec.automountServiceAccountToken ?? (sa.automountServiceAccountToken as boolean | undefined) ?? true;
      if (automount) mountServiceAccountToken(spec);
      const pullSecrets = sa.imagePullSecrets as { name: string }[] | undefined;
      if (!spec.imagePullSecrets?.length && pullSecrets?.length) spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name }));
    },
  };
}

async function findAccount(state: ApiState, namespace: string, name: string, attempts: number): Promise<KObject | undefined> {
  const interval = 100 + randomInt(100);
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, interval));
    const sa = await lookup(state, 'serviceaccounts', namespace, name);
    if (sa) return sa;
  }
  return undefined;
}
