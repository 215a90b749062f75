// The agent's CSI volume lifecycle against a real (in-process) node plugin doing real bind mounts:
// stage once per node and publish per pod, reference counts over pods sharing a volume, teardown
// order, rebuild after an agent restart, orphans with and without their driver, read-only
// volumes, attachment waits, the volume context and fsGroup policies. Needs root (mount).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindMountCsiDriver, StaticCsiRegistry } from '../../../test/helpers/bind-csi-driver.js';
import { volumeAttachmentName } from '../../csi/attachment-name.js';
import { podMountPath, podVolumeDataFile, stagingPath } from '../../csi/paths.js';
import { CsiError, GrpcCode } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import type { Pod } from '../pods/types.js';
import { mountsUnder } from '../runtime/host.js';
import type { ClaimObject, PersistentVolumeObject } from './claims.js';
import { CsiVolumeManager, type CsiVolumeManagerOptions } from './csi-mounter.js';
import type { CsiDriverObject, VolumeAttachmentObject } from './csi-request.js';
import { cleanupVolumes, prepareVolumes, refreshVolume, type VolumeSources } from './volumes.js';
import type { VolumeError } from './volume-error.js';

const DRIVER = 'bind.csi.test';
const isRoot = process.getuid?.() === 0;
const warnings: string[] = [];
const log: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, child: () => log };

/** One node: an agent dir, a driver with its backing root, and the API objects the mounter reads. */
class Node {
  readonly agentDir: string;
  readonly driver: BindMountCsiDriver;
  readonly registry: StaticCsiRegistry;
  readonly pvs = new Map<string, PersistentVolumeObject>();
  readonly pvcs = new Map<string, ClaimObject>();
  readonly drivers = new Map<string, CsiDriverObject>();
  readonly attachments = new Map<string, VolumeAttachmentObject>();
  readonly secrets = new Map<string, Record<string, string>>();
  mgr: CsiVolumeManager;
  tokenCount = 0;

  constructor(
    readonly base: string,
    caps: ConstructorParameters<typeof BindMountCsiDriver>[2] = ['STAGE_UNSTAGE_VOLUME'],
    private extra: Partial<CsiVolumeManagerOptions> = {},
  ) {
    this.agentDir = join(base, 'agent');
    this.driver = new BindMountCsiDriver(DRIVER, join(base, 'backing'), caps);
    this.registry = new StaticCsiRegistry(this.driver);
    // No attachment needed unless a test says so.
    this.drivers.set(DRIVER, { spec: { attachRequired: false } });
    this.mgr = this.newManager();
  }

  newManager(): CsiVolumeManager {
    return new CsiVolumeManager({
      registry: this.registry,
      agentDir: this.agentDir,
      nodeName: 'node-1',
      api: {
        csiDriver: async (n) => this.drivers.get(n),
        volumeAttachment: async (n) => this.attachments.get(n),
        secret: async (ns, n) => this.secrets.get(`${ns}/${n}`),
        serviceAccountToken: async (ns, sa, req) => ({ token: `${ns}/${sa}/${req.pod.name}/${req.audience ?? ''}/${++this.tokenCount}`, expirationTimestamp: '2026-12-01T01:00:00Z' }),
      },
      log,
      attachWaitMs: 300,
      attachPollMs: 50,
      ...this.extra,
    });
  }

  /** A bound claim and its CSI PV. */
  volume(name: string, pv: Partial<NonNullable<PersistentVolumeObject['spec']>> = {}, csi: Record<string, unknown> = {}) {
    this.pvs.set(`pv-${name}`, { metadata: { name: `pv-${name}` }, spec: { accessModes: ['ReadWriteOnce'], ...pv, csi: { driver: DRIVER, volumeHandle: `vol-${name}`, ...csi } } });
    this.pvcs.set(`default/${name}`, { metadata: { name }, spec: { volumeName: `pv-${name}` }, status: { phase: 'Bound' } });
  }

  get sources(): VolumeSources {
    return {
      configMap: async () => undefined,
      secret: async () => undefined,
      persistentVolumeClaim: async (ns, n) => this.pvcs.get(`${ns}/${n}`),
      persistentVolume: async (n) => this.pvs.get(n),
      serviceAccountToken: async () => {
        throw new Error('no tokens here');
      },
    };
  }

  podDir(uid: string) {
    return join(this.agentDir, 'pods', uid);
  }

  /** Prepares the pod's volumes as the worker does; returns them by name. */
  async start(p: Pod) {
    return prepareVolumes(p, this.podDir(p.metadata.uid), this.sources, { hostIP: '127.0.0.1', podIP: '127.0.0.1' }, this.mgr);
  }

  stop(p: Pod, orphan = false) {
    return cleanupVolumes(this.podDir(p.metadata.uid), this.mgr, { orphan });
  }

  staging(name: string) {
    return stagingPath(this.agentDir, DRIVER, `vol-${name}`);
  }
}

function pod(uid: string, claim: string, extra: { readOnly?: boolean; fsGroup?: number; fsGroupChangePolicy?: string; serviceAccountName?: string } = {}): Pod {
  return {
    metadata: { name: `pod-${uid}`, namespace: 'default', uid },
    spec: {
      serviceAccountName: extra.serviceAccountName,
      securityContext: { ...(extra.fsGroup !== undefined ? { fsGroup: extra.fsGroup } : {}), ...(extra.fsGroupChangePolicy ? { fsGroupChangePolicy: extra.fsGroupChangePolicy } : {}) },
      containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim, ...(extra.readOnly ? { readOnly: true } : {}) } }],
    },
  };
}

const bases: string[] = [];
async function newNode(...args: ConstructorParameters<typeof Node> extends [string, ...infer R] ? R : never) {
  const base = await mkdtemp(join(tmpdir(), 'gifee-csi-mounter-'));
  bases.push(base);
  return new Node(base, ...args);
}

after(async () => {
  // Whatever a failed test left mounted goes before its directory.
  for (const b of bases) {
    for (const m of (await mountsUnder(b)).sort((x, y) => y.length - x.length)) await import('node:child_process').then(({ execFileSync }) => execFileSync('umount', ['-l', m]));
    await rm(b, { recursive: true, force: true });
  }
});

describe('CSI volumes without a driver or attachment', () => {
  it('an unregistered driver fails with the kubelet message', async () => {
    const n = await newNode();
    n.registry.remove(DRIVER);
    n.volume('a');
    await assert.rejects(n.start(pod('u1', 'a')), (e: VolumeError) => {
      assert.equal(e.eventMessage, `MountVolume.MountDevice failed for volume "pv-a" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ${DRIVER} not found in the list of registered CSI drivers`);
      return true;
    });
  });

  it('without a CSIDriver object an attachment is required: timed out, then attached with its metadata as publish context', { skip: !isRoot && 'needs root (mount)' }, async () => {
    const n = await newNode();
    n.drivers.delete(DRIVER);
    n.volume('att');
    const p = pod('u-att', 'att');
    await assert.rejects(n.start(p), (e: VolumeError) => {
      assert.equal(e.eventMessage, `MountVolume.WaitForAttach failed for volume "pv-att" : timed out waiting for external-attacher of ${DRIVER} CSI driver to attach volume vol-att`);
      return true;
    });
    const name = volumeAttachmentName('vol-att', DRIVER, 'node-1');
    n.attachments.set(name, { status: { attached: false, attachError: { message: 'rpc error: code = Internal desc = disk on fire' } } });
    await assert.rejects(n.start(p), /disk on fire/);
    n.attachments.set(name, { status: { attached: true, attachmentMetadata: { lun: '3' } } });
    await n.start(p);
    const stage = n.driver.calls.find((c) => c.method === 'nodeStageVolume')!;
    const publish = n.driver.calls.find((c) => c.method === 'nodePublishVolume')!;
    assert.deepEqual(stage.req.publishContext, { lun: '3' });
    assert.deepEqual(publish.req.publishContext, { lun: '3' });
    await n.stop(p);
  });

  it("the attachment name is Kubernetes' csi-<sha256(handle+driver+node)>", () => {
    assert.equal(volumeAttachmentName('vol-1', 'd.example.com', 'node-1'), `csi-${createHash('sha256').update('vol-1d.example.comnode-1').digest('hex')}`);
  });
});

describe('CSI volumes on a node', { skip: !isRoot && 'needs root (mount)' }, () => {
  it('two pods sharing a volume: staged once, published twice, unstaged by the last to go', async () => {
    const n = await newNode();
    n.volume('shared', {}, { volumeAttributes: { tier: 'gold' } });
    const a = pod('ua', 'shared');
    const b = pod('ub', 'shared');
    const va = await n.start(a);
    const vb = await n.start(b);
    assert.equal(va.get('data')!.path, podMountPath(n.podDir('ua'), 'pv-shared'));
    assert.deepEqual(n.driver.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodePublishVolume']);
    assert.equal(n.mgr.refCount(n.staging('shared')), 2);
    // One volume: what a pod writes the other sees, and it lands in the driver's backing store.
    await writeFile(join(va.get('data')!.path, 'hello'), 'from a');
    assert.equal(await readFile(join(vb.get('data')!.path, 'hello'), 'utf8'), 'from a');
    assert.equal(await readFile(join(n.driver.root, 'vol-shared', 'hello'), 'utf8'), 'from a');
    // vol_data.json beside the mount says how to undo it without the API.
    const data = JSON.parse(await readFile(podVolumeDataFile(n.podDir('ua'), 'pv-shared'), 'utf8'));
    assert.deepEqual(data, { driverName: DRIVER, volumeHandle: 'vol-shared', pvName: 'pv-shared', specVolumeName: 'data', namespace: 'default', claimName: 'shared', volumeMode: 'Filesystem', stagingPath: n.staging('shared'), targetPath: podMountPath(n.podDir('ua'), 'pv-shared') });
    const publish = n.driver.calls.find((c) => c.method === 'nodePublishVolume')!.req;
    assert.equal(publish.stagingTargetPath, n.staging('shared'));
    assert.deepEqual(publish.volumeContext, { tier: 'gold' });
    assert.deepEqual(publish.volumeCapability, { mount: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } });
    assert.equal(publish.readonly, false);

    await n.stop(a);
    assert.deepEqual(n.driver.methods().slice(3), ['nodeUnpublishVolume']);
    assert.equal(n.mgr.refCount(n.staging('shared')), 1);
    assert.equal(existsSync(join(n.podDir('ua'), 'volumes')), false);
    assert.equal(await readFile(join(vb.get('data')!.path, 'hello'), 'utf8'), 'from a', 'the other pod keeps its volume');
    await n.stop(b);
    assert.deepEqual(n.driver.methods().slice(3), ['nodeUnpublishVolume', 'nodeUnpublishVolume', 'nodeUnstageVolume']);
    assert.equal(n.mgr.refCount(n.staging('shared')), 0);
    assert.deepEqual(await mountsUnder(n.agentDir), []);
    assert.equal(existsSync(n.staging('shared')), false);
    assert.equal(await readFile(join(n.driver.root, 'vol-shared', 'hello'), 'utf8'), 'from a', 'the data outlives the pods');
  });

  it('a driver without STAGE_UNSTAGE_VOLUME is only published', async () => {
    const n = await newNode([]);
    n.volume('plain');
    const p = pod('up', 'plain');
    await n.start(p);
    await n.stop(p);
    assert.deepEqual(n.driver.methods(), ['nodePublishVolume', 'nodeUnpublishVolume']);
    assert.equal(n.driver.calls[0].req.stagingTargetPath, undefined);
  });

  it('read-only: from the pod volume or the PV, published read-only and unwritable', async () => {
    const n = await newNode();
    n.volume('ro1');
    n.volume('ro2', {}, { readOnly: true });
    const p1 = pod('ur1', 'ro1', { readOnly: true });
    const p2 = pod('ur2', 'ro2');
    const v1 = (await n.start(p1)).get('data')!;
    const v2 = (await n.start(p2)).get('data')!;
    assert.equal(v1.readOnly, true);
    assert.equal(v2.readOnly, true);
    for (const v of [v1, v2]) await assert.rejects(writeFile(join(v.path, 'x'), 'no'), { code: 'EROFS' });
    assert.deepEqual(
      n.driver.calls.filter((c) => c.method === 'nodePublishVolume').map((c) => c.req.readonly),
      [true, true],
    );
    await n.stop(p1);
    await n.stop(p2);
  });

  it('an agent restart rebuilds the reference counts from vol_data.json: a later pod does not stage, the last teardown unstages once', async () => {
    const n = await newNode();
    n.volume('keep');
    const a = pod('ka', 'keep');
    await n.start(a);
    // A new agent process: nothing in memory, the mounts still there.
    n.mgr = n.newManager();
    assert.equal(n.mgr.refCount(n.staging('keep')), 0);
    await n.mgr.rebuild();
    assert.equal(n.mgr.refCount(n.staging('keep')), 1);
    const b = pod('kb', 'keep');
    await n.start(b);
    assert.deepEqual(n.driver.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodePublishVolume'], 'still staged: not staged again');
    await n.stop(a);
    assert.equal(n.driver.methods().filter((m) => m === 'nodeUnstageVolume').length, 0, 'pod b still uses it');
    await n.stop(b);
    assert.equal(n.driver.methods().filter((m) => m === 'nodeUnstageVolume').length, 1);
    assert.deepEqual(await mountsUnder(n.agentDir), []);
  });

  it('a failing unpublish keeps the volume mounted and its directories: nothing is deleted through the mount; a retry finishes', async () => {
    const n = await newNode();
    n.volume('stuck');
    const p = pod('us', 'stuck');
    const v = (await n.start(p)).get('data')!;
    await writeFile(join(v.path, 'precious'), 'keep me');
    n.driver.failNext.set('nodeUnpublishVolume', new CsiError(GrpcCode.INTERNAL, 'device busy'));
    await assert.rejects(n.stop(p), /device busy/);
    assert.equal(await readFile(join(v.path, 'precious'), 'utf8'), 'keep me');
    assert.equal(await readFile(join(n.driver.root, 'vol-stuck', 'precious'), 'utf8'), 'keep me');
    assert.equal(n.mgr.refCount(n.staging('stuck')), 1);
    await n.stop(p);
    assert.deepEqual(await mountsUnder(n.agentDir), []);
    assert.equal(await readFile(join(n.driver.root, 'vol-stuck', 'precious'), 'utf8'), 'keep me');
    assert.equal(existsSync(join(n.podDir('us'), 'volumes')), false);
  });

  it('orphans: a deleted pod is torn down through its driver; without the driver it waits out the grace period, then is lazily unmounted', async () => {
    const n = await newNode(undefined, { orphanDriverGraceMs: 60_000 });
    n.volume('orph');
    const p = pod('uo', 'orph');
    await n.start(p);
    // Restart with the driver not registered (yet): the orphan is kept, its data untouched.
    n.registry.remove(DRIVER);
    n.mgr = n.newManager();
    await n.mgr.rebuild();
    await assert.rejects(n.stop(p, true), /driver name bind\.csi\.test not found in the list of registered CSI drivers/);
    assert.ok((await mountsUnder(n.podDir('uo'))).length > 0);
    assert.ok(existsSync(podVolumeDataFile(n.podDir('uo'), 'pv-orph')));
    // The driver registers: the next sweep unpublishes and unstages through it.
    n.registry.add(DRIVER, n.driver);
    await n.stop(p, true);
    assert.deepEqual(n.driver.methods().slice(-2), ['nodeUnpublishVolume', 'nodeUnstageVolume']);
    assert.deepEqual(await mountsUnder(n.agentDir), []);

    // A driver gone for good (grace 0): lazily unmounted, nothing deleted through the mount.
    const m = await newNode(undefined, { orphanDriverGraceMs: 0 });
    m.volume('gone');
    const q = pod('ug', 'gone');
    const v = (await m.start(q)).get('data')!;
    await writeFile(join(v.path, 'f'), 'survives');
    m.registry.remove(DRIVER);
    m.mgr = m.newManager();
    await m.mgr.rebuild();
    await m.stop(q, true);
    assert.ok(warnings.some((w) => w.includes('CSI driver bind.csi.test is not registered: lazily unmounting volume pv-gone')));
    assert.deepEqual(await mountsUnder(m.agentDir), []);
    assert.equal(existsSync(join(m.podDir('ug'), 'volumes')), false);
    assert.equal(await readFile(join(m.driver.root, 'vol-gone', 'f'), 'utf8'), 'survives');
  });

  it('podInfoOnMount drivers get the pod in the volume context; the capability carries access mode, fsType and mount options', async () => {
    const n = await newNode(['STAGE_UNSTAGE_VOLUME', 'SINGLE_NODE_MULTI_WRITER']);
    n.drivers.set(DRIVER, { spec: { attachRequired: false, podInfoOnMount: true } });
    n.volume('info', { accessModes: ['ReadWriteOncePod'], mountOptions: ['noatime'] }, { fsType: 'ext4', volumeAttributes: { a: 'b' } });
    const p = pod('ui', 'info', { serviceAccountName: 'robot' });
    await n.start(p);
    const stage = n.driver.calls.find((c) => c.method === 'nodeStageVolume')!.req;
    const publish = n.driver.calls.find((c) => c.method === 'nodePublishVolume')!.req;
    assert.deepEqual(stage.volumeContext, { a: 'b' }, 'NodeStage gets the PV attributes only');
    assert.deepEqual(publish.volumeContext, {
      a: 'b',
      'csi.storage.k8s.io/pod.name': 'pod-ui',
      'csi.storage.k8s.io/pod.namespace': 'default',
      'csi.storage.k8s.io/pod.uid': 'ui',
      'csi.storage.k8s.io/serviceAccount.name': 'robot',
      'csi.storage.k8s.io/ephemeral': 'false',
    });
    assert.deepEqual(publish.volumeCapability, { mount: { fsType: 'ext4', mountFlags: ['noatime'] }, accessMode: { mode: 'SINGLE_NODE_SINGLE_WRITER' } });
    await n.stop(p);
  });

  it("the PV's node stage and publish secrets are fetched and decoded", async () => {
    const n = await newNode();
    n.volume('sec', {}, { nodeStageSecretRef: { name: 'stage', namespace: 'kube-system' }, nodePublishSecretRef: { name: 'pub', namespace: 'kube-system' } });
    const p = pod('usec', 'sec');
    await assert.rejects(n.start(p), /fetching NodeStageSecretRef kube-system\/stage failed/);
    n.secrets.set('kube-system/stage', { user: Buffer.from('admin').toString('base64') });
    n.secrets.set('kube-system/pub', { token: Buffer.from('t0k').toString('base64') });
    await n.start(p);
    assert.deepEqual(n.driver.calls.find((c) => c.method === 'nodeStageVolume')!.req.secrets, { user: 'admin' });
    assert.deepEqual(n.driver.calls.find((c) => c.method === 'nodePublishVolume')!.req.secrets, { token: 't0k' });
    await n.stop(p);
  });

  it('a generic ephemeral volume uses the claim <pod>-<volume>, only when the pod owns it', async () => {
    const n = await newNode();
    n.volume('eph-data');
    const p: Pod = { metadata: { name: 'eph', namespace: 'default', uid: 'ueph' }, spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }] }], volumes: [{ name: 'data', ephemeral: { volumeClaimTemplate: {} } }] } };
    await assert.rejects(n.start(p), /PVC default\/eph-data was not created for pod default\/eph \(pod is not owner\)/);
    n.pvcs.get('default/eph-data')!.metadata!.ownerReferences = [{ uid: 'ueph', controller: true }];
    const v = (await n.start(p)).get('data')!;
    assert.equal(v.path, podMountPath(n.podDir('ueph'), 'pv-eph-data'));
    await n.stop(p);
  });
});

describe('tokenRequests and requiresRepublish', { skip: !isRoot && 'needs root (mount)' }, () => {
  it('the pod-bound tokens go in the volume context, and the volume is published again before they age (never staged again)', async () => {
    const n = await newNode();
    n.drivers.set(DRIVER, { spec: { attachRequired: false, requiresRepublish: true, tokenRequests: [{ audience: 'vault', expirationSeconds: 600 }] } });
    n.volume('tok');
    const p = pod('ut', 'tok', { serviceAccountName: 'app' });
    const t0 = Date.now();
    const v = (await n.start(p)).get('data')!;
    assert.ok(v.refreshAt && v.refreshAt >= t0 + 50_000 && v.refreshAt <= Date.now() + 60_000, 'republished within the minute');
    const ctx = (i: number) => n.driver.calls.filter((c) => c.method === 'nodePublishVolume')[i].req.volumeContext as Record<string, string>;
    assert.deepEqual(JSON.parse(ctx(0)['csi.storage.k8s.io/serviceAccount.tokens']), { vault: { token: 'default/app/pod-ut/vault/1', expirationTimestamp: '2026-12-01T01:00:00Z' } });
    const again = await refreshVolume(p, n.podDir('ut'), 'data', n.sources, { hostIP: '127.0.0.1', podIP: '127.0.0.1' }, n.mgr);
    assert.equal(again?.path, v.path);
    assert.deepEqual(n.driver.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodePublishVolume']);
    assert.equal(JSON.parse(ctx(1)['csi.storage.k8s.io/serviceAccount.tokens']).vault.token, 'default/app/pod-ut/vault/2', 'a fresh token');
    await n.stop(p);
  });
});

describe('inline ephemeral CSI volumes', { skip: !isRoot && 'needs root (mount)' }, () => {
  const inlinePod = (uid: string): Pod => ({
    metadata: { name: `pod-${uid}`, namespace: 'default', uid },
    spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'secrets-store', mountPath: '/mnt' }] }], volumes: [{ name: 'secrets-store', csi: { driver: DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: 'vault' } } }] },
  });

  it('only for drivers with the Ephemeral lifecycle mode', async () => {
    const n = await newNode();
    await assert.rejects(n.start(inlinePod('i0')), (e: VolumeError) => {
      assert.equal(e.eventMessage, `MountVolume.SetUp failed for volume "secrets-store" : kubernetes.io/csi: mounter.SetUpAt failed to check volume lifecycle mode: volume mode "Ephemeral" not supported by driver ${DRIVER} (only supports ["Persistent"])`);
      return true;
    });
    assert.deepEqual(n.driver.methods(), []);
  });

  it('published (never staged) with a per-pod handle and the pod in its context, unpublished with the pod', async () => {
    const n = await newNode();
    n.drivers.set(DRIVER, { spec: { attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ['Persistent', 'Ephemeral'] } });
    const p = inlinePod('i1');
    const v = (await n.start(p)).get('secrets-store')!;
    assert.equal(v.path, podMountPath(n.podDir('i1'), 'secrets-store'));
    assert.equal(v.readOnly, true);
    const publish = n.driver.calls[0].req;
    assert.deepEqual(n.driver.methods(), ['nodePublishVolume']);
    assert.equal(publish.volumeId, `csi-${createHash('sha256').update('i1secrets-store').digest('hex')}`);
    assert.equal(publish.stagingTargetPath, undefined);
    assert.equal(publish.readonly, true);
    assert.equal((publish.volumeContext as Record<string, string>)['csi.storage.k8s.io/ephemeral'], 'true');
    assert.equal((publish.volumeContext as Record<string, string>).secretProviderClass, 'vault');
    await n.stop(p);
    assert.deepEqual(n.driver.methods(), ['nodePublishVolume', 'nodeUnpublishVolume']);
    assert.deepEqual(await mountsUnder(n.agentDir), []);
  });
});

describe('fsGroup on CSI volumes', { skip: !isRoot && 'needs root (mount)' }, () => {
  const gidOf = async (p: string) => (await stat(p)).gid;
  let n: Node;
  before(async () => {
    n = await newNode();
  });

  const cases: { name: string; policy?: string; fsType?: string; modes?: string[]; readOnly?: boolean; applied: boolean }[] = [
    { name: 'File: always', policy: 'File', modes: ['ReadWriteMany'], applied: true },
    { name: 'None: never', policy: 'None', fsType: 'ext4', applied: false },
    { name: 'ReadWriteOnceWithFSType (default) without an fsType: no', applied: false },
    { name: 'ReadWriteOnceWithFSType with an fsType and RWO: yes', fsType: 'ext4', applied: true },
    { name: 'ReadWriteOnceWithFSType with an fsType but RWX: no', fsType: 'ext4', modes: ['ReadWriteMany'], applied: false },
    { name: 'File but read-only: no', policy: 'File', readOnly: true, applied: false },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      n.drivers.set(DRIVER, { spec: { attachRequired: false, ...(c.policy ? { fsGroupPolicy: c.policy } : {}) } });
      n.volume(`fs${i}`, { accessModes: c.modes ?? ['ReadWriteOnce'] }, { ...(c.fsType ? { fsType: c.fsType } : {}) });
      await mkdir(join(n.driver.root, `vol-fs${i}`, 'sub'), { recursive: true });
      await writeFile(join(n.driver.root, `vol-fs${i}`, 'sub', 'file'), 'x');
      const p = pod(`fs${i}`, `fs${i}`, { fsGroup: 4321, readOnly: c.readOnly });
      const v = (await n.start(p)).get('data')!;
      assert.equal(await gidOf(join(v.path, 'sub', 'file')), c.applied ? 4321 : 0);
      if (c.applied) assert.ok(((await stat(v.path)).mode & 0o2000) !== 0, 'setgid on directories');
      await n.stop(p);
    });
  }

  it('OnRootMismatch skips the walk when the root already has the group and setgid; Always walks', async () => {
    n.drivers.set(DRIVER, { spec: { attachRequired: false, fsGroupPolicy: 'File' } });
    n.volume('orm');
    const root = join(n.driver.root, 'vol-orm');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'inner'), 'x');
    await chown(root, 0, 777);
    await chmod(root, 0o2775);
    const p = pod('orm1', 'orm', { fsGroup: 777, fsGroupChangePolicy: 'OnRootMismatch' });
    const v = (await n.start(p)).get('data')!;
    assert.equal(await gidOf(join(v.path, 'inner')), 0, 'root matched: not walked');
    await n.stop(p);
    await chown(root, 0, 0);
    const q = pod('orm2', 'orm', { fsGroup: 777, fsGroupChangePolicy: 'OnRootMismatch' });
    const w = (await n.start(q)).get('data')!;
    assert.equal(await gidOf(join(w.path, 'inner')), 777, 'root mismatched: walked');
    await n.stop(q);
  });
});
