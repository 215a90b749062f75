// What a pod makes its node need from the API, as Kubernetes' node authorizer graph records it: the
// Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccount its spec names (volumes, env,
// envFrom, image pull secrets, volume plugins' secret references, generic ephemeral volumes' PVCs).

import type { KObject } from '../../../api/kind.js';

export type RefKind = 'secret' | 'configmap' | 'pvc' | 'serviceaccount';

/** "kind/namespace/name": one key per object a node may read. */
export const refKey = (kind: RefKind, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Volume plugins whose secret is named `secretRef.name` (or `secretName` for azureFile). */
const SECRET_REF_VOLUMES = ['cephfs', 'rbd', 'iscsi', 'flexVolume', 'scaleIO', 'storageos', 'cinder'];

/** The references of a pod, as refKeys (deduplicated). Hostile input: anything malformed is skipped. */
export function podRefs(pod: KObject): Set<string> {
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const spec = obj((pod as Obj).spec) ?? {};
  const out = new Set<string>();
  const add = (kind: RefKind, n: unknown) => {
    const s = str(n);
    if (s) out.add(refKey(kind, ns, s));
  };
  add('serviceaccount', spec.serviceAccountName ?? spec.serviceAccount);
  for (const s of arr(spec.imagePullSecrets)) add('secret', obj(s)?.name);
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of arr(list)) {
      const co = obj(c);
      for (const e of arr(co?.envFrom)) {
        add('configmap', obj(obj(e)?.configMapRef)?.name);
        add('secret', obj(obj(e)?.secretRef)?.name);
      }
      for (const e of arr(co?.env)) {
        const from = obj(obj(e)?.valueFrom);
        add('configmap', obj(from?.configMapKeyRef)?.name);
        add('secret', obj(from?.secretKeyRef)?.name);
      }
    }
  }
  for (const v of arr(spec.volumes)) {
    const vo = obj(v);
    if (!vo) continue;
    add('secret', obj(vo.secret)?.secretName);
    add('configmap', obj(vo.configMap)?.name);
    add('pvc', obj(vo.persistentVolumeClaim)?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume> by the ephemeral volume controller.
    if (obj(vo.ephemeral) && str(vo.name)) add('pvc', `${name}-${vo.name}`);
    for (const src of arr(obj(vo.projected)?.sources)) {
      add('secret', obj(obj(src)?.secret)?.name);
      add('configmap', obj(obj(src)?.configMap)?.name);
    }
    add('secret', obj(obj(vo.csi)?.nodePublishSecretRef)?.name);
    add('secret', obj(vo.azureFile)?.secretName);
    for (const plugin of SECRET_REF_VOLUMES) add('secret', obj(obj(vo[plugin])?.secretRef)?.name);
  }
  return out;
}
