// The node-side csi-snapshotter (the external-snapshotter's sidecar, run by the agent): for the CSI
// drivers on its node whose sidecars gifee runs (its own driver, and drivers whose CSIDriver carries
// storage.gifee.dev/agent-sidecars=true), it takes the snapshots of the contents the snapshot
// controller made (CSI CreateSnapshot, named snapshot-<VolumeSnapshot uid>, idempotent; called again
// until the driver says readyToUse), fills their status (snapshotHandle, restoreSize, readyToUse,
// creationTime), checks pre-provisioned contents (ListSnapshots when the driver offers it, else
// they are ready), and deletes the physical snapshot of a Delete content whose VolumeSnapshot is
// gone before it removes the content's finalizer. A content belongs to the node in its
// storage.gifee.dev/provisioned-on-node annotation (copied from its volume's PV); one without it is
// taken by the first agent that writes its own node there (the others get a conflict).
//
// It writes with the client it is given (the node identity may not write contents): see
// SNAPSHOT_SIDECAR_RULES. `informers` must list and watch with an identity that may too.

import { rfc3339 } from '../util/time.js';
import type { KObject } from '../api/kind.js';
import { ANN_NODE_OF_VOLUME, ANN_SNAPSHOT_BEING_DELETED, CSI_PARAMETER_PREFIX, FINALIZER_CONTENT_BOUND, SNAPSHOT_NAME_PREFIX, type VolumeSnapshotClass, type VolumeSnapshotContent, type VolumeSnapshotContentStatus } from '../api/kinds/snapshot/index.js';
import type { EventRecorder } from '../client/events.js';
import { annotate, changeFinalizers, hasFinalizer } from '../client/finalizers.js';
import type { InformerLike } from '../client/informer.js';
import { InformerFactory } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../client/rest.js';
import { deepEqual } from '../util/equal.js';
import type { Logger } from '../util/log.js';
import { Controller } from '../controllers/controller.js';
import { CsiError, GrpcCode, type ControllerService, type CsiRegistry, type Snapshot } from '../csi/types.js';
import { LABEL_AGENT_SIDECARS, LOCAL_DRIVER } from '../api/storage-names.js';

const CSI_DRIVERS = { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false };
/** A snapshot the driver is still cutting (readyToUse false) is asked about again after this long. */
const READY_POLL_MS = 2000;

/** CSI ListSnapshots, which src/csi/types.ts does not (yet) declare: used when a driver's client offers it. */
type ListSnapshots = (req: { snapshotId?: string; sourceVolumeId?: string }) => Promise<{ entries: { snapshot: Snapshot }[] }>;

export interface SnapshotSidecarOptions {
  /** Writes contents and their status: an identity with SNAPSHOT_SIDECAR_RULES. */
  client: RestClient;
  /** Lists and watches contents, classes and CSIDrivers: a factory on an identity that may (not the node's); default: one of its own on `client`. */
  informers?: InformerFactory;
  registry: CsiRegistry;
  nodeName: string;
  recorder: EventRecorder;
  log: Logger;
}

type Work = 'delete' | 'create' | 'check';

function workOf(c: VolumeSnapshotContent): Work | undefined {
  const spec = c.spec ?? {};
  if (c.metadata?.deletionTimestamp) {
    if (!hasFinalizer(c, FINALIZER_CONTENT_BOUND) || spec.deletionPolicy !== 'Delete') return undefined;
    // The controller marks a content whose snapshot is gone; an unbound pre-provisioned one needs no mark.
    const released = c.metadata.annotations?.[ANN_SNAPSHOT_BEING_DELETED] === 'yes' || (!!spec.source?.snapshotHandle && !spec.volumeSnapshotRef?.uid);
    return released ? 'delete' : undefined;
  }
  if (c.status?.readyToUse === true && c.status.snapshotHandle) return undefined;
  if (spec.source?.volumeHandle) return spec.volumeSnapshotRef?.uid ? 'create' : undefined;
  if (spec.source?.snapshotHandle) return 'check';
  return undefined;
}

const errorText = (e: unknown) => (e instanceof CsiError ? `rpc error: code = ${GrpcCode[e.code] ?? e.code} desc = ${e.message}` : e instanceof Error ? e.message : String(e));

export function statusOfSnapshot(s: Snapshot): VolumeSnapshotContentStatus {
  const t = s.creationTime;
  return {
    snapshotHandle: s.snapshotId,
    readyToUse: s.readyToUse === true,
    restoreSize: Math.max(0, Math.trunc(Number(s.sizeBytes) || 0)),
    creationTime: t ? Number(t.seconds) * 1e9 + Number(t.nanos ?? 0) : Date.now() * 1e6,
  };
}

class SnapshotSidecar extends Controller {
  private readonly contents: InformerLike;
  private readonly classes: InformerLike;
  private readonly drivers: InformerLike;

  constructor(private o: SnapshotSidecarOptions & { informers: InformerFactory }) {
    super('csi-snapshotter', o.log, o.informers, 1);
    this.contents = this.informers.informer(R.volumesnapshotcontents);
    this.classes = this.informers.informer(R.volumesnapshotclasses);
    this.drivers = this.informers.informer(CSI_DRIVERS);
    this.watch(this.contents, (old, c) => (c ?? old)?.metadata?.name);
    const ofDriver = (driver: string | undefined) =>
      this.contents
        .list()
        .filter((c) => (c as VolumeSnapshotContent).spec?.driver === driver)
        .map((c) => c.metadata!.name!);
    this.watch(this.drivers, (old, d) => ofDriver((d ?? old)?.metadata?.name));
    o.registry.onChange((driver) => this.enqueue(ofDriver(driver)));
  }

  /** Whether this agent runs the driver's sidecars, and the driver is registered here. */
  private controllerOf(driver: string | undefined): ControllerService | undefined {
    if (!driver) return undefined;
    const asked = driver === LOCAL_DRIVER || this.drivers.get(driver)?.metadata?.labels?.[LABEL_AGENT_SIDECARS] === 'true';
    return asked ? this.o.registry.get(driver)?.controller : undefined;
  }

  protected async reconcile(name: string) {
    let c = this.contents.get(name) as VolumeSnapshotContent | undefined;
    if (!c) return undefined;
    const work = workOf(c);
    if (!work) return undefined;
    const ctl = this.controllerOf(c.spec?.driver);
    if (!ctl) return undefined;
    const owner = c.metadata?.annotations?.[ANN_NODE_OF_VOLUME];
    if (owner && owner !== this.o.nodeName) return undefined;
    if (!owner) {
      // First agent to write its name takes it; a conflict means another one did (or it changed): look again.
      try {
        c = await annotate(this.o.client, R.volumesnapshotcontents, c, ANN_NODE_OF_VOLUME, this.o.nodeName);
      } catch (e) {
        if (isConflict(e)) return { requeueAfter: 200 };
        throw e;
      }
      if (!c) return undefined;
    }
    if (work === 'delete') return this.deleteSnapshot(c, ctl);
    if (work === 'create') return this.createSnapshot(c, ctl);
    return this.checkSnapshot(c, ctl);
  }

  private async createSnapshot(c: VolumeSnapshotContent, ctl: ControllerService) {
    const spec = c.spec!;
    const className = spec.volumeSnapshotClassName;
    const cls = className ? (this.classes.get(className) as VolumeSnapshotClass | undefined) : undefined;
    if (className && !cls) return this.fail(c, 'SnapshotCreationFailed', `Failed to create snapshot: failed to get input parameters to create snapshot for content ${c.metadata?.name}: volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`);
    const parameters = Object.fromEntries(Object.entries(cls?.parameters ?? {}).filter(([k]) => !k.startsWith(CSI_PARAMETER_PREFIX)));
    let snap: Snapshot;
    try {
      ({ snapshot: snap } = await ctl.createSnapshot({ sourceVolumeId: spec.source!.volumeHandle!, name: `${SNAPSHOT_NAME_PREFIX}-${spec.volumeSnapshotRef!.uid}`, parameters }));
    } catch (e) {
      return this.fail(c, 'SnapshotCreationFailed', `Failed to create snapshot: failed to take snapshot of the volume ${spec.source!.volumeHandle}: "${errorText(e)}"`);
    }
    const written = await this.writeStatus(c, statusOfSnapshot(snap));
    return written && !snap.readyToUse ? { requeueAfter: READY_POLL_MS } : undefined;
  }

  private async checkSnapshot(c: VolumeSnapshotContent, ctl: ControllerService) {
    const handle = c.spec!.source!.snapshotHandle!;
    const list = (ctl as ControllerService & { listSnapshots?: ListSnapshots }).listSnapshots;
    // A driver that cannot list snapshots: the administrator's handle is taken as ready (as the external-snapshotter does).
    if (typeof list !== 'function') return this.writeStatus(c, { snapshotHandle: handle, readyToUse: true }).then(() => undefined);
    let found: Snapshot | undefined;
    try {
      found = (await list.call(ctl, { snapshotId: handle })).entries?.[0]?.snapshot;
    } catch (e) {
      if (!(e instanceof CsiError && e.code === GrpcCode.UNIMPLEMENTED)) return this.fail(c, 'SnapshotContentCheckandUpdateFailed', `Failed to check and update snapshot content: ${errorText(e)}`);
      return this.writeStatus(c, { snapshotHandle: handle, readyToUse: true }).then(() => undefined);
    }
    if (!found) return this.fail(c, 'SnapshotContentCheckandUpdateFailed', `Failed to check and update snapshot content: snapshot ${handle} not found on the storage system`);
    const written = await this.writeStatus(c, statusOfSnapshot(found));
    return written && !found.readyToUse ? { requeueAfter: READY_POLL_MS } : undefined;
  }

  private async deleteSnapshot(c: VolumeSnapshotContent, ctl: ControllerService) {
    const handle = c.status?.snapshotHandle ?? c.spec?.source?.snapshotHandle;
    if (handle) {
      try {
        await ctl.deleteSnapshot({ snapshotId: handle });
      } catch (e) {
        // Already gone is deleted.
        if (!(e instanceof CsiError && e.code === GrpcCode.NOT_FOUND)) return this.fail(c, 'SnapshotDeleteError', `Failed to delete snapshot: ${errorText(e)}`);
      }
    }
    await changeFinalizers(this.o.client, R.volumesnapshotcontents, c, [], [FINALIZER_CONTENT_BOUND]);
    return undefined;
  }

  /** status.error and an event, then a retry with backoff (throwing hands the key to the queue's rate limiter). */
  private async fail(c: VolumeSnapshotContent, reason: string, message: string): Promise<never> {
    this.o.recorder.record(c, 'Warning', reason, message);
    if (c.status?.error?.message !== message) {
      await this.writeStatus(c, { ...(c.status ?? {}), readyToUse: c.status?.readyToUse === true, error: { time: rfc3339(), message } }).catch((e) => this.log.warn('content status not written', { content: c.metadata?.name, err: e }));
    }
    throw new Error(message);
  }

  /** The status subresource, retried once on a conflict with the live object; false when the content is gone. */
  private async writeStatus(c: VolumeSnapshotContent, status: VolumeSnapshotContentStatus): Promise<boolean> {
    // Unchanged (a snapshot still being cut): no write, so no watch event wakes this content again at once.
    if (deepEqual(c.status ?? {}, status)) return true;
    let current: KObject = c;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.client.update(R.volumesnapshotcontents, { ...current, status }, 'status');
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        if (!isConflict(e) || attempt >= 2) throw e;
        current = await this.o.client.get(R.volumesnapshotcontents, undefined, c.metadata!.name!);
        if (current.metadata?.uid !== c.metadata?.uid) return false;
      }
    }
  }
}

/** Starts the node's csi-snapshotter; stop() ends it (in-flight CSI calls finish on their own). */
export function startSnapshotSidecar(o: SnapshotSidecarOptions): { stop(): void } {
  const log = o.log.child({ component: 'csi-snapshotter' });
  const own = o.informers ? undefined : new InformerFactory(o.client, log.child({ component: 'informers' }));
  const s = new SnapshotSidecar({ ...o, informers: o.informers ?? own!, log });
  s.start();
  return {
    stop: () => {
      s.stop();
      own?.stop();
    },
  };
}
