// The agent's periodic volume work beside the pods' own lifecycles: online node expansion of claims
// whose volume grew, and the kubelet_volume_stats_* metrics. One call from the agent starts both;
// they read the pods the pod manager runs and the mounter's vol_data.json files, and talk to drivers
// through the node's CsiRegistry.

import type { KObject } from '../../api/kind.js';
import type { EventRecorder } from '../../client/events.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { CsiRegistry } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import type { Pod } from '../pods/types.js';
import { NodeExpander, type Claim, type Volume } from './node-expander.js';
import { publishedVolumes } from './published.js';
import { VolumeStatsCollector, type StatsTarget } from './volume-stats.js';

export interface ActivePod {
  uid: string;
  dir: string;
  pod: Pod;
  volumePath(name: string): string | undefined;
}

export interface NodeVolumeExtrasOptions {
  nodeName: string;
  client: RestClient;
  recorder: EventRecorder;
  csi: CsiRegistry;
  pods(): ActivePod[];
  log: Logger;
}

/** A generic ephemeral volume's claim is named <pod>-<volume>. */
const claimOf = (pod: Pod, v: NonNullable<Pod['spec']['volumes']>[number]): string | undefined => v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${pod.metadata.name}-${v.name}` : undefined);

/** Every claim-backed volume of the active pods: CSI ones from vol_data.json, the others by their prepared path. */
export async function statsTargets(pods: ActivePod[]): Promise<StatsTarget[]> {
  const out: StatsTarget[] = [];
  for (const p of pods) {
    const csi = await publishedVolumes(p.uid, p.dir);
    const viaCsi = new Set(csi.map((v) => v.data.specVolumeName));
    for (const v of csi) {
      if (v.data.claimName && v.data.volumeMode === 'Filesystem') out.push({ namespace: v.data.namespace, claim: v.data.claimName, csi: { driverName: v.data.driverName, volumeHandle: v.data.volumeHandle, targetPath: v.data.targetPath, stagingPath: v.data.stagingPath } });
    }
    for (const v of p.pod.spec.volumes ?? []) {
      const claim = claimOf(p.pod, v);
      const path = claim && !viaCsi.has(v.name) ? p.volumePath(v.name) : undefined;
      if (claim && path) out.push({ namespace: p.pod.metadata.namespace, claim, path });
    }
  }
  return out;
}

export function startNodeVolumeExtras(o: NodeVolumeExtrasOptions): { stop(): void } {
  const get = async <T>(promise: Promise<unknown>): Promise<T | undefined> => {
    try {
      return (await promise) as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  const expander = new NodeExpander({
    nodeName: o.nodeName,
    csi: o.csi,
    pods: () => o.pods().map((p) => ({ uid: p.uid, dir: p.dir, pod: p.pod as unknown as KObject })),
    api: {
      claim: (ns, name) => get<Claim>(o.client.get(R.persistentvolumeclaims, ns, name)),
      volume: (name) => get<Volume>(o.client.get(R.persistentvolumes, undefined, name)),
      patchClaimStatus: async (ns, name, patch) => {
        await o.client.patch(R.persistentvolumeclaims, ns, name, patch, 'merge', 'status');
      },
    },
    recorder: o.recorder,
    log: o.log.child({ part: 'node-expander' }),
  });
  const stats = new VolumeStatsCollector({ csi: o.csi, targets: () => statsTargets(o.pods()), log: o.log.child({ part: 'volume-stats' }) });
  expander.start();
  stats.start();
  return {
    stop: () => {
      expander.stop();
      stats.stop();
    },
  };
}
