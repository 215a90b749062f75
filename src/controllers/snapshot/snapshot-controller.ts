// The snapshot controller (the external-snapshotter's snapshot-controller, run in the controller
// manager): binds VolumeSnapshots to VolumeSnapshotContents and keeps their finalizers. For a
// dynamic snapshot it resolves the claim, its CSI volume and the class (named, or the driver's
// default, written back into the spec), protects the claim while the snapshot is taken, and makes
// the content snapcontent-<snapshot uid>; the node-side csi-snapshotter takes the snapshot and fills
// the content's status, which this controller mirrors into the snapshot's. A pre-provisioned
// content (source.snapshotHandle) is bound to the snapshot naming it. Deleting a snapshot deletes
// its content when the policy is Delete (the sidecar then deletes the physical snapshot), keeps it
// when Retain, and waits while a claim is being restored from the snapshot. One worker: decisions
// about a claim's finalizer and a snapshot's content never race each other.

import type { KObject } from '../../api/kind.js';
import {
  ANN_SNAPSHOT_BEING_DELETED,
  CONTENT_NAME_PREFIX,
  FINALIZER_CONTENT_BOUND,
  FINALIZER_PVC_AS_SOURCE,
  FINALIZER_SNAPSHOT_AS_SOURCE,
  FINALIZER_SNAPSHOT_BOUND,
  SNAPSHOT_API_VERSION,
  ANN_NODE_OF_VOLUME,
  type VolumeSnapshot,
  type VolumeSnapshotClass,
  type VolumeSnapshotContent,
} from '../../api/kinds/snapshot/index.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { nowRfc3339 } from '../util/pod-state.js';
import { writeStatus } from '../util/write-status.js';
import { createInput, restoresFrom, SnapshotProblem, type Pv, type Pvc } from './create-input.js';
import { annotate, changeFinalizers, hasFinalizer } from '../../client/finalizers.js';
import { statusFromContent } from './status.js';

const SNAP = 'vs/';
const CONTENT = 'vsc/';
const CLAIM = 'pvc/';
const BY_SOURCE_PVC = 'snapshot-source-pvc';
const BY_DATA_SOURCE_SNAPSHOT = 'pvc-data-source-snapshot';
/** Problems wait for a watched change (claim bound, class made) and are retried this often anyway. */
const RETRY_PROBLEM_MS = 30_000;

const contentNameOf = (s: VolumeSnapshot) => `${CONTENT_NAME_PREFIX}-${s.metadata?.uid}`;
const sourcePvcKey = (s: KObject) => {
  const pvc = (s as VolumeSnapshot).spec?.source?.persistentVolumeClaimName;
  return pvc ? `${s.metadata?.namespace}/${pvc}` : undefined;
};

export class SnapshotController extends Controller {
  readonly snapshots: InformerLike;
  readonly contents: InformerLike;
  private readonly classes: InformerLike;
  private readonly pvcs: InformerLike;
  private readonly pvs: InformerLike;
  private readonly events: EventRecorder;
  /** Contents this controller made that its cache may not show yet (name), so a claim's finalizer is not dropped meanwhile. */
  private readonly made = new Set<string>();

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('snapshot', log, factory, 1);
    this.events = new EventRecorder(client, 'snapshot-controller', log);
    this.snapshots = this.informers.informer(R.volumesnapshots);
    this.contents = this.informers.informer(R.volumesnapshotcontents);
    this.classes = this.informers.informer(R.volumesnapshotclasses);
    this.pvcs = this.informers.informer(R.persistentvolumeclaims);
    this.pvs = this.informers.informer(R.persistentvolumes);
    this.snapshots.addIndexers({ [BY_SOURCE_PVC]: (o) => [sourcePvcKey(o) ?? ''].filter(Boolean) });
    this.pvcs.addIndexers({ [BY_DATA_SOURCE_SNAPSHOT]: (o) => dataSourceSnapshots(o as Pvc) });
    this.watch(this.snapshots, (old, o) => {
      const s = (o ?? old)!;
      const keys = [SNAP + keyOf(s)];
      const pvc = sourcePvcKey(s);
      if (pvc) keys.push(CLAIM + pvc);
      const bound = (s as VolumeSnapshot).status?.boundVolumeSnapshotContentName;
      if (bound) keys.push(CONTENT + bound);
      return keys;
    });
    this.watch(this.contents, (old, o) => {
      const c = (o ?? old)! as VolumeSnapshotContent;
      const keys = [CONTENT + c.metadata?.name];
      const ref = c.spec?.volumeSnapshotRef;
      if (ref?.name && ref.namespace) {
        keys.push(`${SNAP}${ref.namespace}/${ref.name}`);
        const snap = this.snapshots.get(`${ref.namespace}/${ref.name}`);
        const pvc = snap && sourcePvcKey(snap);
        if (pvc) keys.push(CLAIM + pvc);
      }
      return keys;
    });
    // A new or changed class may be what an unbound snapshot waits for.
    this.watch(this.classes, () =>
      this.snapshots
        .list()
        .filter((s) => !(s as VolumeSnapshot).status?.boundVolumeSnapshotContentName)
        .map((s) => SNAP + keyOf(s)),
    );
    // A claim bound (or going) wakes the snapshots of it; a restored claim leaving Pending frees its source snapshot.
    this.watch(this.pvcs, (old, o) => {
      const p = (o ?? old)!;
      const keys = [CLAIM + keyOf(p), ...this.snapshots.byIndex(BY_SOURCE_PVC, keyOf(p)).map((s) => SNAP + keyOf(s))];
      for (const x of [old, o]) if (x) for (const v of dataSourceSnapshots(x as Pvc)) keys.push(SNAP + v);
      return keys;
    });
    this.watch(this.pvs, (old, o) => {
      const ref = ((o ?? old) as Pv).spec?.claimRef;
      if (!ref?.name || !ref.namespace) return undefined;
      return this.snapshots.byIndex(BY_SOURCE_PVC, `${ref.namespace}/${ref.name}`).map((s) => SNAP + keyOf(s));
    });
  }

  protected async reconcile(key: string) {
    if (key.startsWith(SNAP)) {
      const s = this.snapshots.get(key.slice(SNAP.length)) as VolumeSnapshot | undefined;
      return s ? this.syncSnapshot(s) : undefined;
    }
    if (key.startsWith(CONTENT)) {
      const c = this.contents.get(key.slice(CONTENT.length)) as VolumeSnapshotContent | undefined;
      return c ? this.syncContent(c) : undefined;
    }
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    return undefined;
  }

  // ---- VolumeSnapshots ----

  private async syncSnapshot(s: VolumeSnapshot) {
    if (s.metadata?.deletionTimestamp) return this.deleteSnapshot(s);
    const snap = await changeFinalizers(this.client, R.volumesnapshots, s, [FINALIZER_SNAPSHOT_AS_SOURCE]);
    if (!snap) return undefined;
    try {
      const content = snap.spec?.source?.volumeSnapshotContentName ? await this.bindPreProvisioned(snap) : await this.dynamicContent(snap);
      if (!content) return undefined;
      await this.mirror(snap, content);
      return undefined;
    } catch (e) {
      if (!(e instanceof SnapshotProblem)) throw e;
      await this.problem(snap, e);
      return { requeueAfter: RETRY_PROBLEM_MS };
    }
  }

  /** The content of a dynamic snapshot: the bound one, the one made earlier, or a new one. */
  private async dynamicContent(snap: VolumeSnapshot): Promise<VolumeSnapshotContent | undefined> {
    const bound = snap.status?.boundVolumeSnapshotContentName;
    if (bound) {
      const c = this.contents.get(bound) as VolumeSnapshotContent | undefined;
      if (!c) throw new SnapshotProblem('SnapshotContentMissing', `VolumeSnapshotContent ${bound} is missing`);
      return c;
    }
    const existing = this.contents.get(contentNameOf(snap)) as VolumeSnapshotContent | undefined;
    if (existing) return existing;
    const input = createInput(snap, {
      pvc: (ns, n) => this.pvcs.get(`${ns}/${n}`) as Pvc | undefined,
      pv: (n) => this.pvs.get(n) as Pv | undefined,
      snapshotClass: (n) => this.classes.get(n) as VolumeSnapshotClass | undefined,
      snapshotClasses: () => this.classes.list() as VolumeSnapshotClass[],
    });
    let current = snap;
    if (input.defaultedClass) {
      // As the external-snapshotter: the chosen default is written into the snapshot's spec.
      const patched = (await this.client.patch(R.volumesnapshots, snap.metadata?.namespace, snap.metadata!.name!, { metadata: { resourceVersion: snap.metadata?.resourceVersion }, spec: { volumeSnapshotClassName: input.defaultedClass } }, 'merge')) as VolumeSnapshot;
      current = patched;
    }
    // The claim may not go while its snapshot is taken.
    const pvc = await changeFinalizers(this.client, R.persistentvolumeclaims, input.pvc, [FINALIZER_PVC_AS_SOURCE]);
    if (!pvc) throw new SnapshotProblem('SnapshotContentCreationFailed', `Failed to create snapshot content with error the PVC ${input.pvc.metadata?.name} is gone`);
    const name = contentNameOf(current);
    const node = input.pv.metadata?.annotations?.[ANN_NODE_OF_VOLUME];
    const content: VolumeSnapshotContent = {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: 'VolumeSnapshotContent',
      metadata: { name, finalizers: [FINALIZER_CONTENT_BOUND], ...(node ? { annotations: { [ANN_NODE_OF_VOLUME]: node } } : {}) },
      spec: {
        volumeSnapshotRef: { apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshot', namespace: current.metadata?.namespace, name: current.metadata?.name, uid: current.metadata?.uid, resourceVersion: current.metadata?.resourceVersion },
        source: { volumeHandle: input.volumeHandle },
        volumeSnapshotClassName: input.snapshotClass.metadata?.name,
        driver: input.driver,
        deletionPolicy: input.snapshotClass.deletionPolicy ?? 'Delete',
        sourceVolumeMode: input.pv.spec?.volumeMode ?? 'Filesystem',
      },
    };
    this.made.add(name);
    let created: VolumeSnapshotContent;
    try {
      created = (await this.client.create(R.volumesnapshotcontents, undefined, content)) as VolumeSnapshotContent;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) {
        this.made.delete(name);
        throw e;
      }
      created = (await this.client.get(R.volumesnapshotcontents, undefined, name)) as VolumeSnapshotContent;
    }
    this.events.record(current, 'Normal', 'CreatingSnapshot', `Waiting for a snapshot ${keyOf(current)} to be created by the CSI driver.`);
    return created;
  }

  /** A pre-provisioned snapshot: the content it names must name it back; an unclaimed one gets its uid. */
  private async bindPreProvisioned(snap: VolumeSnapshot): Promise<VolumeSnapshotContent | undefined> {
    const name = snap.spec!.source!.volumeSnapshotContentName!;
    let content = this.contents.get(name) as VolumeSnapshotContent | undefined;
    if (!content) throw new SnapshotProblem('SnapshotContentMissing', `VolumeSnapshotContent ${name} is missing`);
    const ref = content.spec?.volumeSnapshotRef ?? {};
    if (ref.name !== snap.metadata?.name || ref.namespace !== snap.metadata?.namespace || (ref.uid && ref.uid !== snap.metadata?.uid)) {
      throw new SnapshotProblem('SnapshotContentMisbound', `VolumeSnapshotContent ${name} is bound to a different snapshot (${ref.namespace}/${ref.name})`);
    }
    if (!ref.uid || !hasFinalizer(content, FINALIZER_CONTENT_BOUND)) {
      const next = structuredClone(content) as VolumeSnapshotContent;
      next.spec!.volumeSnapshotRef = { ...ref, uid: snap.metadata?.uid };
      next.metadata!.finalizers = [...(next.metadata?.finalizers ?? []).filter((f) => f !== FINALIZER_CONTENT_BOUND), FINALIZER_CONTENT_BOUND];
      content = (await this.client.update(R.volumesnapshotcontents, next)) as VolumeSnapshotContent;
    }
    return content;
  }

  /** The snapshot's status from its content, its bound finalizer, and the events of its progress. */
  private async mirror(snap: VolumeSnapshot, content: VolumeSnapshotContent) {
    const want = statusFromContent(snap, content);
    const had = snap.status ?? {};
    let current: VolumeSnapshot | undefined = snap;
    if (!deepEqual(had, want)) {
      current = await writeStatus(this.client, R.volumesnapshots, snap, want);
      if (!current) return;
      if (!had.creationTime && want.creationTime) this.events.record(snap, 'Normal', 'SnapshotCreated', `Snapshot ${keyOf(snap)} was successfully created by the CSI driver.`);
      if (!had.readyToUse && want.readyToUse) this.events.record(snap, 'Normal', 'SnapshotReady', `Snapshot ${keyOf(snap)} is ready to use.`);
    }
    await changeFinalizers(this.client, R.volumesnapshots, current, [FINALIZER_SNAPSHOT_BOUND]);
  }

  /** status.error and an event (the message is written again only when it changes). */
  private async problem(snap: VolumeSnapshot, p: SnapshotProblem) {
    this.events.record(snap, 'Warning', p.reason, p.message);
    const had = snap.status ?? {};
    if (had.error?.message === p.message && had.readyToUse === false) return;
    await writeStatus(this.client, R.volumesnapshots, snap, { ...had, readyToUse: false, error: { time: nowRfc3339(), message: p.message } });
  }

  /** Whether a claim still being provisioned names the snapshot as its data source. */
  private restoring(snap: VolumeSnapshot): boolean {
    const ns = snap.metadata?.namespace ?? '';
    return this.pvcs.byIndex(BY_DATA_SOURCE_SNAPSHOT, `${ns}/${snap.metadata?.name}`).some((p) => restoresFrom(p as Pvc, ns, snap.metadata!.name!) && ((p as Pvc).status?.phase ?? 'Pending') === 'Pending' && !p.metadata?.deletionTimestamp);
  }

  private async deleteSnapshot(snap: VolumeSnapshot) {
    const name = snap.status?.boundVolumeSnapshotContentName ?? snap.spec?.source?.volumeSnapshotContentName ?? contentNameOf(snap);
    let content = this.contents.get(name) as VolumeSnapshotContent | undefined;
    const ref = content?.spec?.volumeSnapshotRef;
    const ours = !!content && ref?.name === snap.metadata?.name && ref?.namespace === snap.metadata?.namespace && (!ref?.uid || ref.uid === snap.metadata?.uid);
    // Whatever the policy, the content learns that its snapshot is going (the sidecar deletes a Delete content's snapshot only then).
    if (content && ours) content = await annotate(this.client, R.volumesnapshotcontents, content, ANN_SNAPSHOT_BEING_DELETED, 'yes');
    if (this.restoring(snap)) {
      this.events.record(snap, 'Normal', 'SnapshotDeletePending', 'Snapshot is being used to restore a PVC');
      return undefined;
    }
    if (content && ours && content.spec?.deletionPolicy === 'Delete' && !content.metadata?.deletionTimestamp) {
      await this.client.delete(R.volumesnapshotcontents, undefined, name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    }
    await changeFinalizers(this.client, R.volumesnapshots, snap, [], [FINALIZER_SNAPSHOT_AS_SOURCE, FINALIZER_SNAPSHOT_BOUND]);
    return undefined;
  }

  // ---- VolumeSnapshotContents ----

  /** Whether the snapshot the content names exists and is bound to it (asked of the API server when the cache says no). */
  private async boundSnapshot(c: VolumeSnapshotContent): Promise<VolumeSnapshot | undefined> {
    const ref = c.spec?.volumeSnapshotRef;
    if (!ref?.name || !ref.namespace) return undefined;
    const matches = (s: VolumeSnapshot | undefined) => !!s && (!ref.uid || s.metadata?.uid === ref.uid) && (s.status?.boundVolumeSnapshotContentName === c.metadata?.name || s.spec?.source?.volumeSnapshotContentName === c.metadata?.name || contentNameOf(s) === c.metadata?.name);
    const cached = this.snapshots.get(`${ref.namespace}/${ref.name}`) as VolumeSnapshot | undefined;
    if (matches(cached)) return cached;
    const live = (await this.client.get(R.volumesnapshots, ref.namespace, ref.name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))) as VolumeSnapshot | undefined;
    return matches(live) ? live : undefined;
  }

  private async syncContent(c: VolumeSnapshotContent) {
    const ref = c.spec?.volumeSnapshotRef;
    if (!c.metadata?.deletionTimestamp) {
      // Pre-bound and not yet claimed: the snapshot naming it binds it.
      if (!ref?.uid) return undefined;
      const snap = await this.boundSnapshot(c);
      if (snap) {
        await changeFinalizers(this.client, R.volumesnapshotcontents, c, [FINALIZER_CONTENT_BOUND]);
        return undefined;
      }
      // Its snapshot is gone (deleted while this controller was away, or by force): a Delete content goes too; a Retain one stays.
      if (c.spec?.deletionPolicy === 'Delete') {
        const marked = await annotate(this.client, R.volumesnapshotcontents, c, ANN_SNAPSHOT_BEING_DELETED, 'yes');
        if (marked) await this.client.delete(R.volumesnapshotcontents, undefined, c.metadata!.name!).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      }
      return undefined;
    }
    if (!hasFinalizer(c, FINALIZER_CONTENT_BOUND)) return undefined;
    const snap = await this.boundSnapshot(c);
    if (snap && !snap.metadata?.deletionTimestamp) return undefined; // still bound: stays until its snapshot goes
    const handle = c.status?.snapshotHandle ?? c.spec?.source?.snapshotHandle;
    if (c.spec?.deletionPolicy === 'Delete' && handle) {
      // The physical snapshot is the csi-snapshotter's to delete; it then removes the finalizer.
      await annotate(this.client, R.volumesnapshotcontents, c, ANN_SNAPSHOT_BEING_DELETED, 'yes');
      return undefined;
    }
    await changeFinalizers(this.client, R.volumesnapshotcontents, c, [], [FINALIZER_CONTENT_BOUND]);
    return undefined;
  }

  // ---- Claims ----

  /** A claim keeps pvc-as-source-protection while a snapshot of it is being taken, and only then. */
  private async syncClaim(key: string) {
    const pvc = this.pvcs.get(key) as Pvc | undefined;
    if (!pvc) return undefined;
    const taking = this.snapshots.byIndex(BY_SOURCE_PVC, key).some((s) => {
      const snap = s as VolumeSnapshot;
      if (snap.metadata?.deletionTimestamp || snap.status?.readyToUse === true) return false;
      const content = snap.status?.boundVolumeSnapshotContentName ?? contentNameOf(snap);
      if (this.contents.get(content)) return true;
      return this.made.has(content);
    });
    // Names the cache now shows need no remembering.
    for (const n of this.made) if (this.contents.get(n)) this.made.delete(n);
    if (taking) await changeFinalizers(this.client, R.persistentvolumeclaims, pvc, [FINALIZER_PVC_AS_SOURCE]);
    else await changeFinalizers(this.client, R.persistentvolumeclaims, pvc, [], [FINALIZER_PVC_AS_SOURCE]);
    return undefined;
  }
}

/** ns/name of the snapshots a claim restores from. */
function dataSourceSnapshots(p: Pvc): string[] {
  return [p.spec?.dataSource, p.spec?.dataSourceRef].filter((d) => d?.kind === 'VolumeSnapshot' && d.name).map((d) => `${p.metadata?.namespace}/${d!.name}`);
}
