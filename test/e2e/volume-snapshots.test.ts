// Volume snapshots on a real API server and controller manager, with the node-side csi-snapshotter
// run in this process against an in-test CSI driver (two agents, node-a and node-b, each with its
// own driver), acting as a ServiceAccount bound to SNAPSHOT_SIDECAR_RULES only: a dynamic snapshot
// of a bound claim becomes readyToUse (default class written back, content snapcontent-<uid> taken
// on the volume's node), kubectl shows the CRDs' columns, Delete deletes the physical snapshot and
// Retain keeps it, a pre-provisioned content binds, a claim restoring from a snapshot holds its
// deletion, broken input is refused (422) or reported in status.error with an event.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { readFile } from 'node:fs/promises';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { RestClient } from '../../src/client/rest.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { EventRecorder } from '../../src/client/events.js';
import { logger } from '../../src/util/log.js';
import { startSnapshotSidecar } from '../../src/storage/snapshot-sidecar.js';
import { SNAPSHOT_SIDECAR_RULES } from '../../src/storage/snapshot-sidecar-rbac.js';
import { resolveSnapshotSource } from '../../src/storage/snapshot-source.js';
import { ANN_PROVISIONED_ON_NODE, LOCAL_DRIVER } from '../../src/api/storage-names.js';
import { CsiError, GrpcCode, type ControllerService, type CsiDriver, type CsiRegistry, type Snapshot } from '../../src/csi/types.js';

const NS = 'snaps';
const GI = 1024 ** 3;

/** gifee's driver as far as snapshots go: remembers what it was asked. */
class FakeDriver implements CsiDriver {
  readonly created: { name: string; sourceVolumeId: string; parameters?: Record<string, string> }[] = [];
  readonly deleted: string[] = [];
  /** Volumes whose first CreateSnapshot answers readyToUse: false (a snapshot still being cut). */
  readonly slow = new Set<string>(['vol-data']);
  readonly failing = new Set<string>(['vol-bad']);
  private snaps = new Map<string, Snapshot>();
  constructor(readonly nodeName: string) {}
  async getPluginInfo() {
    return { name: LOCAL_DRIVER };
  }
  async getPluginCapabilities() {
    return { capabilities: [{ service: { type: 'CONTROLLER_SERVICE' as const } }] };
  }
  async probe() {
    return { ready: { value: true } };
  }
  readonly controller: ControllerService = {
    controllerGetCapabilities: async () => ({ capabilities: [{ rpc: { type: 'CREATE_DELETE_SNAPSHOT' } }] }),
    createVolume: unimplemented,
    deleteVolume: unimplemented,
    controllerPublishVolume: unimplemented,
    controllerUnpublishVolume: unimplemented,
    getCapacity: unimplemented,
    controllerExpandVolume: unimplemented,
    createSnapshot: async (req) => {
      this.created.push(req);
      if (this.failing.has(req.sourceVolumeId)) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${req.sourceVolumeId} is broken`);
      const ready = !this.slow.delete(req.sourceVolumeId);
      const s: Snapshot = { snapshotId: `${this.nodeName}:${req.name}`, sourceVolumeId: req.sourceVolumeId, sizeBytes: GI, creationTime: { seconds: 1_700_000_000, nanos: 0 }, readyToUse: ready };
      this.snaps.set(req.name, s);
      return { snapshot: s };
    },
    deleteSnapshot: async (req) => {
      this.deleted.push(req.snapshotId);
    },
  };
}
async function unimplemented(): Promise<never> {
  throw new CsiError(GrpcCode.UNIMPLEMENTED, 'not in this test');
}
const registryOf = (d: CsiDriver): CsiRegistry => ({ get: (n) => (n === LOCAL_DRIVER ? d : undefined), names: () => [LOCAL_DRIVER], onChange: () => {} });

describe('volume snapshots', () => {
  let c: Cluster;
  const a = new FakeDriver('node-a');
  const b = new FakeDriver('node-b');
  const stops: (() => unknown)[] = [];
  let admin: RestClient;
  const k = (args: string[], input?: string) => c.kubectl(args, { input });
  const apply = (objs: object[]) => k(['apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }));
  const getJson = async (args: string[]) => {
    const r = await c.kubectl(['get', '-o', 'json', ...args], { allowFail: true });
    return r.code === 0 ? JSON.parse(r.stdout) : undefined;
  };
  const snapshot = (name: string) => getJson(['volumesnapshot', '-n', NS, name]);
  const context = async () =>
    (await k(['get', 'vs,vsc,pvc,pv', '-A', '-o', 'yaml'])).stdout +
    c
      .logs()
      .split('\n')
      .filter((l) => /snapshot/.test(l))
      .slice(-20)
      .join('\n');
  const wait = (what: string, fn: () => Promise<boolean>) => until(what, fn, { timeoutMs: 60_000, context });

  /** A PV of gifee's driver on node-a, pre-bound to claim `name`, and the claim, marked Bound as the PV controller would. */
  const boundClaim = async (name: string, handle: string) => {
    await apply([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `pv-${name}`, annotations: { [ANN_PROVISIONED_ON_NODE]: 'node-a' } },
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: '', csi: { driver: LOCAL_DRIVER, volumeHandle: handle }, claimRef: { namespace: NS, name } },
      },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: `pv-${name}`, resources: { requests: { storage: '1Gi' } } } },
    ]);
    const r = await c.request('PATCH', `/api/v1/namespaces/${NS}/persistentvolumeclaims/${name}/status`, { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(r.status, 200, r.body);
  };

  before(async () => {
    c = await startCluster();
    await k(['create', 'namespace', NS]);
    // The sidecars' identity: a ServiceAccount with exactly the rules the lead merges into the node-side sidecars' role.
    await k(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'csi-snapshotter', namespace: 'kube-system' } },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'test:csi-snapshotter' }, rules: SNAPSHOT_SIDECAR_RULES },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: 'test:csi-snapshotter' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'test:csi-snapshotter' },
            subjects: [{ kind: 'ServiceAccount', name: 'csi-snapshotter', namespace: 'kube-system' }],
          },
        ],
      }),
    );
    const token = (await k(['create', 'token', 'csi-snapshotter', '-n', 'kube-system'])).stdout.trim();
    const kc = parse(await readFile(c.kubeconfig, 'utf8'));
    const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
    const user = kc.users[0].user;
    admin = new RestClient({ server: c.url, ca, cert: Buffer.from(user['client-certificate-data'], 'base64').toString(), key: Buffer.from(user['client-key-data'], 'base64').toString() });
    for (const [node, driver] of [
      ['node-a', a],
      ['node-b', b],
    ] as const) {
      const client = new RestClient({ server: c.url, ca, token, userAgent: `csi-snapshotter/${node}` });
      const log = logger('csi-snapshotter', { node });
      const informers = new InformerFactory(client, log);
      const recorder = new EventRecorder(client, `csi-snapshotter ${LOCAL_DRIVER}`, log, node);
      const sidecar = startSnapshotSidecar({ client, informers, registry: registryOf(driver), nodeName: node, recorder, log });
      stops.push(
        () => sidecar.stop(),
        () => informers.stop(),
        () => recorder.close(),
        () => client.close(),
      );
    }
    await apply([
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'local', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } }, driver: LOCAL_DRIVER, deletionPolicy: 'Delete', parameters: { compress: 'true', 'csi.storage.k8s.io/snapshotter-secret-name': 'x' } },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'keep' }, driver: LOCAL_DRIVER, deletionPolicy: 'Retain' },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'ebs' }, driver: 'ebs.csi.aws.com', deletionPolicy: 'Delete' },
    ]);
    await boundClaim('data', 'vol-data');
  });
  after(async () => {
    for (const s of stops) await s();
    admin?.close();
    await c?.stop();
  });

  test("a dynamic snapshot of a bound claim becomes readyToUse, taken on the volume's node", async () => {
    await apply([{ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap-1' }, spec: { source: { persistentVolumeClaimName: 'data' } } }]);
    await wait('snap-1 ready to use', async () => (await snapshot('snap-1'))?.status?.readyToUse === true);
    const s = await snapshot('snap-1');
    const uid = s.metadata.uid;
    assert.equal(s.spec.volumeSnapshotClassName, 'local', 'the default class is written into the spec');
    assert.equal(s.status.boundVolumeSnapshotContentName, `snapcontent-${uid}`);
    assert.equal(s.status.restoreSize, '1Gi');
    assert.equal(s.status.creationTime, '2023-11-14T22:13:20Z');
    assert.equal(s.status.error, undefined);
    assert.deepEqual([...s.metadata.finalizers].sort(), ['snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection', 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection']);
    const content = await getJson(['volumesnapshotcontent', `snapcontent-${uid}`]);
    assert.equal(content.spec.driver, LOCAL_DRIVER);
    assert.equal(content.spec.deletionPolicy, 'Delete');
    assert.equal(content.spec.source.volumeHandle, 'vol-data');
    assert.equal(content.spec.sourceVolumeMode, 'Filesystem');
    assert.deepEqual({ name: content.spec.volumeSnapshotRef.name, namespace: content.spec.volumeSnapshotRef.namespace, uid: content.spec.volumeSnapshotRef.uid }, { name: 'snap-1', namespace: NS, uid });
    assert.equal(content.metadata.annotations[ANN_PROVISIONED_ON_NODE], 'node-a');
    assert.deepEqual(content.metadata.finalizers, ['snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection']);
    assert.equal(content.status.snapshotHandle, `node-a:snapshot-${uid}`);
    assert.equal(content.status.restoreSize, GI);
    // The driver said "not ready" once: the sidecar asked again (same idempotent name).
    assert.ok(a.created.length >= 2, JSON.stringify(a.created));
    for (const call of a.created) assert.deepEqual(call, { name: `snapshot-${uid}`, sourceVolumeId: 'vol-data', parameters: { compress: 'true' } });
    assert.equal(b.created.length, 0, "node-b's agent leaves node-a's volume alone");
    // The claim was protected while the snapshot was taken, and is no longer.
    await wait('the claim loses pvc-as-source-protection', async () => !((await getJson(['pvc', '-n', NS, 'data']))?.metadata?.finalizers ?? []).includes('snapshot.storage.kubernetes.io/pvc-as-source-protection'));
    const events = (await k(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=snap-1', '-o', 'jsonpath={.items[*].reason}'])).stdout;
    for (const r of ['CreatingSnapshot', 'SnapshotCreated', 'SnapshotReady']) assert.match(events, new RegExp(r));
  });

  test("kubectl get shows the CRDs' columns under their short names", async () => {
    const vs = (await k(['get', 'vs', '-n', NS, 'snap-1'])).stdout.split('\n');
    assert.match(vs[0], /^NAME\s+READYTOUSE\s+SOURCEPVC\s+SOURCESNAPSHOTCONTENT\s+RESTORESIZE\s+SNAPSHOTCLASS\s+SNAPSHOTCONTENT\s+CREATIONTIME\s+AGE$/);
    assert.match(vs[1], /^snap-1\s+true\s+data\s+1Gi\s+local\s+snapcontent-\S+\s+\S+\s+\S+$/);
    const vsc = (await k(['get', 'vsc'])).stdout.split('\n');
    assert.match(vsc[0], /^NAME\s+READYTOUSE\s+RESTORESIZE\s+DELETIONPOLICY\s+DRIVER\s+VOLUMESNAPSHOTCLASS\s+VOLUMESNAPSHOT\s+VOLUMESNAPSHOTNAMESPACE\s+AGE$/);
    assert.ok(
      vsc.some((l) => new RegExp(`^snapcontent-\\S+\\s+true\\s+${GI}\\s+Delete\\s+local.csi.gifee.dev\\s+local\\s+snap-1\\s+${NS}\\s+\\S+$`).test(l)),
      vsc.join('\n'),
    );
    const cls = (await k(['get', 'vsclass', 'local', 'keep'])).stdout.split('\n');
    assert.match(cls[0], /^NAME\s+DRIVER\s+DELETIONPOLICY\s+AGE$/);
    assert.match(cls[1], /^local\s+local.csi.gifee.dev\s+Delete\s+\S+$/);
    assert.match(cls[2], /^keep\s+local.csi.gifee.dev\s+Retain\s+\S+$/);
    assert.match((await k(['api-resources', '--api-group', 'snapshot.storage.k8s.io'])).stdout, /volumesnapshotcontents\s+vsc,vscs\s+snapshot.storage.k8s.io\/v1\s+false\s+VolumeSnapshotContent/);
  });

  test('restoring: the chain from claim to snapshot handle holds, and the snapshot waits for the claim', async () => {
    const src = await resolveSnapshotSource(admin, NS, 'snap-1', LOCAL_DRIVER);
    const uid = (await snapshot('snap-1')).metadata.uid;
    assert.deepEqual(src.contentSource, { snapshot: { snapshotId: `node-a:snapshot-${uid}` } });
    assert.equal(src.restoreSizeBytes, GI);
    await assert.rejects(resolveSnapshotSource(admin, NS, 'snap-1', 'ebs.csi.aws.com'), /does not match the provisioner's driver/);
    await assert.rejects(resolveSnapshotSource(admin, NS, 'nothing', LOCAL_DRIVER), /not found/);
    // A claim being restored from the snapshot (Pending: nothing provisions it here) holds the snapshot's deletion.
    await apply([{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'restored' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'none', dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-1' }, resources: { requests: { storage: '1Gi' } } } }]);
    const restored = await getJson(['pvc', '-n', NS, 'restored']);
    assert.deepEqual(restored.spec.dataSourceRef, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-1' }, 'dataSource is mirrored into dataSourceRef');
    await k(['delete', 'vs', '-n', NS, 'snap-1', '--wait=false']);
    await wait('the SnapshotDeletePending event', async () => /SnapshotDeletePending/.test((await k(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=snap-1', '-o', 'jsonpath={.items[*].reason}'])).stdout));
    assert.ok((await snapshot('snap-1'))?.metadata?.deletionTimestamp, 'still there while the claim is restored from it');
    assert.equal(a.deleted.length, 0);
    // Delete policy: once the claim goes, the snapshot, its content and the physical snapshot go.
    await k(['delete', 'pvc', '-n', NS, 'restored', '--wait=false']);
    await wait('snap-1 gone', async () => (await snapshot('snap-1')) === undefined);
    await wait('its content gone', async () => (await getJson(['vsc', `snapcontent-${uid}`])) === undefined);
    assert.deepEqual(a.deleted, [`node-a:snapshot-${uid}`]);
  });

  test('Retain keeps the content and the physical snapshot', async () => {
    await apply([{ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap-keep' }, spec: { volumeSnapshotClassName: 'keep', source: { persistentVolumeClaimName: 'data' } } }]);
    await wait('snap-keep ready', async () => (await snapshot('snap-keep'))?.status?.readyToUse === true);
    const content = (await snapshot('snap-keep')).status.boundVolumeSnapshotContentName;
    await k(['delete', 'vs', '-n', NS, 'snap-keep']);
    const kept = await getJson(['vsc', content]);
    assert.equal(kept.spec.deletionPolicy, 'Retain');
    assert.equal(kept.metadata.deletionTimestamp, undefined);
    assert.equal(kept.status.readyToUse, true);
    // Deleting the released content itself keeps the physical snapshot too.
    await k(['delete', 'vsc', content]);
    assert.equal(await getJson(['vsc', content]), undefined);
    assert.equal(a.deleted.filter((h) => h.endsWith(kept.spec.volumeSnapshotRef.uid)).length, 0);
  });

  test('a pre-provisioned content binds to the snapshot that names it; Delete then deletes the snapshot', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'pre-1' }, spec: { deletionPolicy: 'Delete', driver: LOCAL_DRIVER, source: { snapshotHandle: 'pre-handle' }, volumeSnapshotRef: { name: 'snap-pre', namespace: NS } } }));
    // One of the two agents takes the unassigned content and checks it (the fake cannot list snapshots: ready).
    await wait('pre-1 checked', async () => (await getJson(['vsc', 'pre-1']))?.status?.readyToUse === true);
    const owner = (await getJson(['vsc', 'pre-1'])).metadata.annotations[ANN_PROVISIONED_ON_NODE];
    assert.ok(owner === 'node-a' || owner === 'node-b', owner);
    await apply([{ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap-pre' }, spec: { source: { volumeSnapshotContentName: 'pre-1' } } }]);
    await wait('snap-pre bound and ready', async () => {
      const s = await snapshot('snap-pre');
      return s?.status?.readyToUse === true && s.status.boundVolumeSnapshotContentName === 'pre-1';
    });
    const s = await snapshot('snap-pre');
    const content = await getJson(['vsc', 'pre-1']);
    assert.equal(content.spec.volumeSnapshotRef.uid, s.metadata.uid);
    assert.deepEqual(content.metadata.finalizers, ['snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection']);
    await k(['delete', 'vs', '-n', NS, 'snap-pre']);
    await wait('pre-1 gone', async () => (await getJson(['vsc', 'pre-1'])) === undefined);
    const driver = owner === 'node-a' ? a : b;
    assert.ok(driver.deleted.includes('pre-handle'), JSON.stringify(driver.deleted));
  });

  test('a snapshot that cannot be taken says why in status.error and an event, and proceeds once fixed', async () => {
    await boundClaim('bad', 'vol-bad');
    await apply([
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'unbound' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'none', resources: { requests: { storage: '1Gi' } } } },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'no-class' }, spec: { volumeSnapshotClassName: 'gold', source: { persistentVolumeClaimName: 'data' } } },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'wrong-driver' }, spec: { volumeSnapshotClassName: 'ebs', source: { persistentVolumeClaimName: 'data' } } },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'of-unbound' }, spec: { source: { persistentVolumeClaimName: 'unbound' } } },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'csi-fails' }, spec: { source: { persistentVolumeClaimName: 'bad' } } },
    ]);
    const errorOf = async (name: string) => (await snapshot(name))?.status?.error?.message ?? '';
    const expect: [string, RegExp, string][] = [
      ['no-class', /volumesnapshotclass.snapshot.storage.k8s.io "gold" not found/, 'SnapshotContentCreationFailed'],
      ['wrong-driver', /VolumeSnapshotClass ebs is for driver ebs.csi.aws.com, but the volume of PVC data belongs to driver local.csi.gifee.dev/, 'SnapshotContentCreationFailed'],
      ['of-unbound', /the PVC unbound is not yet bound to a PV, will not attempt to take a snapshot/, 'SnapshotContentCreationFailed'],
      ['csi-fails', /failed to take snapshot of the volume vol-bad: "rpc error: code = FAILED_PRECONDITION desc = volume vol-bad is broken"/, ''],
    ];
    for (const [name, re, reason] of expect) {
      await wait(`${name}'s error`, async () => re.test(await errorOf(name)));
      assert.equal((await snapshot(name)).status.readyToUse, false);
      if (reason) await wait(`${name}'s ${reason} event`, async () => (await k(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={.items[*].reason}'])).stdout.includes(reason));
    }
    // The missing class arrives: the waiting snapshot is taken.
    await apply([{ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'gold' }, driver: LOCAL_DRIVER, deletionPolicy: 'Delete' }]);
    await wait('no-class ready once its class exists', async () => (await snapshot('no-class'))?.status?.readyToUse === true);
    assert.equal((await snapshot('no-class')).status.error, undefined);
  });

  test("invalid snapshots are refused with 422 and the CRD rules' messages", async () => {
    const post = (path: string, body: object) => c.request('POST', path, body);
    const vs = (spec: object) => ({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'bad' }, spec });
    const vsPath = `/apis/snapshot.storage.k8s.io/v1/namespaces/${NS}/volumesnapshots`;
    const cases: [string, object, string, string][] = [
      [vsPath, vs({ source: { persistentVolumeClaimName: 'data', volumeSnapshotContentName: 'c' } }), 'spec.source', 'exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set'],
      [vsPath, vs({ source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: '' }), 'spec.volumeSnapshotClassName', 'volumeSnapshotClassName must not be the empty string when set'],
      [vsPath, vs({}), 'spec.source', 'Required value'],
      [
        '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents',
        { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'bad' }, spec: { deletionPolicy: 'Delete', driver: 'd', source: { volumeHandle: 'v', snapshotHandle: 's' }, volumeSnapshotRef: { name: 'x' } } },
        'spec.source',
        'exactly one of volumeHandle and snapshotHandle must be set',
      ],
      ['/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'bad' }, driver: 'd', deletionPolicy: 'Sometimes' }, 'deletionPolicy', 'Unsupported value: "Sometimes"'],
    ];
    for (const [path, body, field, message] of cases) {
      const r = await post(path, body);
      assert.equal(r.status, 422, r.body);
      assert.equal(r.json.reason, 'Invalid');
      assert.ok(
        r.json.details.causes.some((x: { field: string; message: string }) => x.field === field && x.message.includes(message)),
        r.body,
      );
    }
    // The source never changes.
    const patched = await k(['patch', 'vs', '-n', NS, 'of-unbound', '--type=merge', '-p', '{"spec":{"source":{"persistentVolumeClaimName":"data"}}}'], undefined).catch((e) => e);
    assert.notEqual(patched.code, 0);
    assert.match(patched.stderr, /spec.source.persistentVolumeClaimName: Invalid value: "string": persistentVolumeClaimName is immutable/);
    // kubectl's own error for a bad manifest.
    const applied = await c.kubectl(['apply', '-n', NS, '-f', '-'], { input: JSON.stringify(vs({ source: {} })), allowFail: true });
    assert.notEqual(applied.code, 0);
    assert.match(applied.stderr, /exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set/);
  });

  test('users who may edit a namespace may take snapshots in it; viewers may read them', async () => {
    await k(['create', 'rolebinding', 'alice-edit', '-n', NS, '--clusterrole=edit', '--user=alice']);
    await k(['create', 'rolebinding', 'bob-view', '-n', NS, '--clusterrole=view', '--user=bob']);
    const can = async (verb: string, who: string) => (await c.kubectl(['auth', 'can-i', verb, 'volumesnapshots.snapshot.storage.k8s.io', '-n', NS, '--as', who], { allowFail: true })).stdout.trim();
    await wait('edit aggregates volumesnapshots', async () => (await can('create', 'alice')) === 'yes');
    assert.equal(await can('delete', 'alice'), 'yes');
    assert.equal(await can('list', 'bob'), 'yes');
    assert.equal(await can('create', 'bob'), 'no');
  });
  test("a chart's copy of the external-snapshotter CRDs does not displace the built-in kinds", async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'volumesnapshots.snapshot.storage.k8s.io', annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-csi/external-snapshotter/pull/814' } },
      spec: {
        group: 'snapshot.storage.k8s.io',
        names: { kind: 'VolumeSnapshot', listKind: 'VolumeSnapshotList', plural: 'volumesnapshots', singular: 'volumesnapshot', shortNames: ['vs'] },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, subresources: { status: {} } }],
      },
    };
    await k(['apply', '-f', '-'], JSON.stringify(crd));
    await wait('the CRD is refused its names', async () => {
      const got = await getJson(['crd', 'volumesnapshots.snapshot.storage.k8s.io']);
      return got?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'NamesAccepted' && x.status === 'False') === true;
    });
    // Still the built-in kind: its rules hold.
    const r = await c.request('POST', `/apis/snapshot.storage.k8s.io/v1/namespaces/${NS}/volumesnapshots`, { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'x' }, spec: { source: {} } });
    assert.equal(r.status, 422, r.body);
    await k(['delete', 'crd', 'volumesnapshots.snapshot.storage.k8s.io']);
    assert.equal((await snapshot('no-class'))?.status?.readyToUse, true, 'snapshots survive the CRD going');
  });
});
