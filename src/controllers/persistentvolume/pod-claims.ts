// The claims a pod uses, and an index of pods by them ("namespace/claim"), shared by the controllers
// that ask "which pods use this claim?" (pvc-protection, the binder's WaitForPodScheduled event)
// without scanning the namespace. A generic ephemeral volume uses the claim `<pod>-<volume>`.

import type { Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { IndexFunc } from '../../client/indexer.js';

export const INDEX_POD_CLAIMS = 'pod-claims';

/** The claim an ephemeral volume of this pod uses (Kubernetes' ephemeral.VolumeClaimName). */
export const ephemeralClaimName = (podName: string, volumeName: string) => `${podName}-${volumeName}`;

export function podClaimNames(pod: KObject): string[] {
  const volumes = (pod as Pod).spec?.volumes;
  if (!Array.isArray(volumes)) return [];
  const names = new Set<string>();
  for (const v of volumes) {
    if (typeof v?.persistentVolumeClaim?.claimName === 'string') names.add(v.persistentVolumeClaim.claimName);
    else if (v?.ephemeral && typeof v.name === 'string') names.add(ephemeralClaimName(pod.metadata?.name ?? '', v.name));
  }
  return [...names];
}

export const podsByClaim: IndexFunc = (pod) => {
  const ns = pod.metadata?.namespace;
  return ns ? podClaimNames(pod).map((c) => `${ns}/${c}`) : [];
};
