// Online node expansion (the kubelet's NodeExpander): when a claim's volume grew on the storage side
// (the resizer set FileSystemResizePending and the PV's capacity), the agent of every node where the
// volume is published calls the driver's NodeExpandVolume, so the filesystem grows while the pod
// runs, then writes the claim's status.capacity (the PV's) and drops the resize conditions.
//
// Claims are read with GET, not watched: Kubernetes' Node authorizer lets a node get (never list or
// watch) the claims its pods use, and only those; the published volumes come from the mounter's
// vol_data.json files. A pass every 10 s costs one GET per published claim. Each volume is
// expanded once per pass however many pods on the node use it; a failing one backs off.

import type { KObject } from '../../api/kind.js';
import { parseQuantity } from '../../api/quantity.js';
import type { CsiRegistry } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import { nodeCapabilities, rpcErrorText, volumeCapabilityOf, withDeadline } from './csi-calls.js';
import { publishedVolumes, type PublishedVolume } from './published.js';

export const FS_RESIZE_PENDING = 'FileSystemResizePending';
/** Conditions of a resize in flight: Kubernetes' MarkFSResizeFinished drops them all. */
const RESIZE_CONDITIONS = new Set(['Resizing', FS_RESIZE_PENDING]);

export interface Claim extends KObject {
  spec?: { volumeName?: string; resources?: { requests?: Record<string, string> } };
  status?: { phase?: string; capacity?: Record<string, string>; conditions?: { type: string; status?: string }[]; allocatedResourceStatuses?: Record<string, string> };
}
export interface Volume extends KObject {
  spec?: { capacity?: Record<string, string>; accessModes?: string[]; volumeMode?: string; mountOptions?: string[]; csi?: { driver?: string; volumeHandle?: string; fsType?: string } };
}

/** A pod running on this node, as the expander needs it. */
export interface NodePod {
  uid: string;
  /** Its directory (<agent dir>/pods/<uid>), where the mounter's vol_data.json files are. */
  dir: string;
  pod: KObject & { spec?: { volumes?: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }[] } };
}

export interface NodeExpanderOptions {
  nodeName: string;
  csi: CsiRegistry;
  /** Pods running here now (not finished). */
  pods(): NodePod[];
  api: {
    claim(namespace: string, name: string): Promise<Claim | undefined>;
    volume(name: string): Promise<Volume | undefined>;
    /** A merge patch of the claim's status subresource. */
    patchClaimStatus(namespace: string, name: string, patch: Record<string, unknown>): Promise<void>;
  };
  recorder: { record(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void };
  log: Logger;
  /** Between passes (default 10 s). */
  intervalMs?: number;
  /** Deadline of one NodeExpandVolume (default 2 min: growing a filesystem can take a while). */
  callTimeoutMs?: number;
}

const quantity = (q: string | undefined): number | undefined => {
  if (q === undefined) return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
};

/** Whether the claim waits for this node: FileSystemResizePending set and its recorded capacity below the PV's. */
export function needsNodeExpansion(claim: Claim, pv: Volume): boolean {
  const pending = claim.status?.conditions?.some((c) => c.type === FS_RESIZE_PENDING && c.status !== 'False');
  const nodePending = ['NodeResizePending', 'NodeResizeInProgress'].includes(claim.status?.allocatedResourceStatuses?.storage ?? '');
  if (!pending && !nodePending) return false;
  const want = quantity(pv.spec?.capacity?.storage);
  const have = quantity(claim.status?.capacity?.storage) ?? 0;
  return want !== undefined && have < want;
}

/** The merge patch that finishes a resize (Kubernetes' MarkFSResizeFinished): capacity = the PV's, resize conditions gone. */
export function resizeFinishedPatch(claim: Claim, pvCapacity: string): Record<string, unknown> {
  const status: Record<string, unknown> = {
    capacity: { ...(claim.status?.capacity ?? {}), storage: pvCapacity },
    conditions: (claim.status?.conditions ?? []).filter((c) => !RESIZE_CONDITIONS.has(c.type)),
  };
  if (claim.status?.allocatedResourceStatuses?.storage !== undefined) status.allocatedResourceStatuses = { storage: null };
  // The claim as read: a resizer's write in between makes this a conflict, retried next pass.
  return { metadata: { resourceVersion: claim.metadata?.resourceVersion }, status };
}

const ref = (kind: string, o: KObject): KObject => ({ apiVersion: 'v1', kind, metadata: o.metadata }) as KObject;

export class NodeExpander {
  private timer?: NodeJS.Timeout;
  private running = false;
  /** Per PV: when to try again after a failure, and the current back-off. */
  private backoff = new Map<string, { until: number; ms: number }>();
  /** Read-only uses already reported, per PV and wanted size (Kubernetes reports it once and gives up). */
  private readOnlyReported = new Set<string>();

  constructor(private o: NodeExpanderOptions) {}

  start() {
    this.timer = setInterval(() => void this.pass(), this.o.intervalMs ?? 10_000);
    this.timer.unref();
    void this.pass();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** One look at every published claim; resolves with the PVs expanded. */
  async pass(now = Date.now()): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    const done: string[] = [];
    try {
      const seen = new Set<string>();
      for (const p of this.o.pods()) {
        for (const v of await publishedVolumes(p.uid, p.dir)) {
          if (!v.data.claimName || seen.has(v.data.pvName)) continue;
          seen.add(v.data.pvName);
          const b = this.backoff.get(v.data.pvName);
          if (b && b.until > now) continue;
          try {
            if (await this.expand(p, v)) done.push(v.data.pvName);
            this.backoff.delete(v.data.pvName);
          } catch (e) {
            const ms = Math.min((b?.ms ?? 2500) * 2, 300_000);
            this.backoff.set(v.data.pvName, { until: now + ms, ms });
            this.o.log.warn('node expansion failed', { pv: v.data.pvName, err: e instanceof Error ? e.message : String(e) });
          }
        }
      }
      for (const k of this.backoff.keys()) if (!seen.has(k)) this.backoff.delete(k);
    } catch (e) {
      this.o.log.warn('node expansion pass failed', { err: e });
    } finally {
      this.running = false;
    }
    return done;
  }

  /** Expands one published volume if its claim asks for it; true when it did. Throws to back off. */
  private async expand(p: NodePod, v: PublishedVolume): Promise<boolean> {
    const d = v.data;
    const claim = await this.o.api.claim(d.namespace, d.claimName!);
    if (!claim || claim.spec?.volumeName !== d.pvName) return false;
    const pv = await this.o.api.volume(d.pvName);
    if (!pv || !needsNodeExpansion(claim, pv)) return false;
    const capacity = pv.spec!.capacity!.storage!;
    const bytes = quantity(capacity)!;
    const podVolume = p.pod.spec?.volumes?.find((x) => x.name === d.specVolumeName);
    if (podVolume?.persistentVolumeClaim?.readOnly) {
      const key = `${d.pvName}/${capacity}`;
      if (!this.readOnlyReported.has(key)) {
        this.readOnlyReported.add(key);
        this.o.recorder.record(ref('Pod', p.pod), 'Warning', 'FileSystemResizeFailed', `MountVolume.NodeExpandVolume failed for volume "${d.pvName}" requested read-only file system`);
      }
      return false;
    }
    const driver = this.o.csi.get(d.driverName);
    if (!driver) throw new Error(`driver name ${d.driverName} not found in the list of registered CSI drivers`);
    // A driver without node expansion has nothing to grow on the node: the resize is finished.
    if (driver.node && (await nodeCapabilities(driver)).has('EXPAND_VOLUME')) {
      try {
        await withDeadline(driver.node.nodeExpandVolume({ volumeId: d.volumeHandle, volumePath: d.targetPath, capacityRange: { requiredBytes: bytes }, ...(d.stagingPath ? { stagingTargetPath: d.stagingPath } : {}), volumeCapability: volumeCapabilityOf(pv) }), this.o.callTimeoutMs ?? 120_000, 'NodeExpandVolume');
      } catch (e) {
        // The kubelet's online-expansion failure, on the pod.
        const message = `NodeExpandVolume.NodeExpandVolume failed for volume "${d.pvName}" : Expander.NodeExpand failed to expand the volume : ${rpcErrorText(e)}`;
        this.o.recorder.record(ref('Pod', p.pod), 'Warning', 'VolumeResizeFailed', message);
        throw new Error(message);
      }
    }
    const message = `MountVolume.NodeExpandVolume succeeded for volume "${d.pvName}" ${this.o.nodeName}`;
    this.o.recorder.record(ref('Pod', p.pod), 'Normal', 'FileSystemResizeSuccessful', message);
    this.o.recorder.record(ref('PersistentVolumeClaim', claim), 'Normal', 'FileSystemResizeSuccessful', message);
    await this.o.api.patchClaimStatus(d.namespace, d.claimName!, resizeFinishedPatch(claim, capacity));
    this.o.log.info('volume expanded on this node', { pv: d.pvName, claim: `${d.namespace}/${d.claimName}`, capacity });
    return true;
  }
}
