// An agent restart with CSI volumes, at the pod manager against a real API server in this process:
// a previous run left a running pod and a since-deleted pod publishing the same staged volume. On
// start the reference counts come back from disk, the deleted pod's volume is unpublished through the
// driver (not unstaged: the running pod still uses it), and when the running pod is deleted later the
// volume is unpublished and unstaged once. Needs root (mount).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindMountCsiDriver, StaticCsiRegistry } from '../../../test/helpers/bind-csi-driver.js';
import { startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { until } from '../../../test/helpers/wait.js';
import { EventRecorder } from '../../client/events.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { podMountPath, stagingPath } from '../../csi/paths.js';
import type { Logger } from '../../util/log.js';
import { mountsUnder } from '../runtime/host.js';
import type { ContainerConfig } from '../runtime/types.js';
import type { ClaimObject, PersistentVolumeObject } from '../volumes/claims.js';
import { CsiVolumeManager } from '../volumes/csi-mounter.js';
import { PodManager } from './manager.js';
import type { Pod } from './types.js';
import type { WorkerDeps } from './worker.js';

const skip = process.getuid?.() !== 0 ? 'needs root (mount)' : false;
const DRIVER = 'restart.csi.test';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

test("an agent restart keeps a running pod's CSI volume, tears down a deleted pod's (at once, or when its driver registers), and the last pod to go unstages once", { skip }, async () => {
  const base = await mkdtemp(join(tmpdir(), 'gifee-csi-restart-'));
  const agentDir = join(base, 'agent');
  const api = await startInProcessApi();
  const client = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  let manager: PodManager | undefined;
  try {
    const driver = new BindMountCsiDriver(DRIVER, join(base, 'backing'));
    const registry = new StaticCsiRegistry(driver);
    const pv: PersistentVolumeObject = { metadata: { name: 'pv-db' }, spec: { accessModes: ['ReadWriteOnce'], csi: { driver: DRIVER, volumeHandle: 'vol-db' } } };
    const pvc: ClaimObject = { metadata: { name: 'db' }, spec: { volumeName: 'pv-db' }, status: { phase: 'Bound' } };
    const spec = {
      nodeName: 'n1',
      hostNetwork: true,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'db' } }],
    };
    const live = (await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'live' }, spec })) as unknown as Pod;
    const liveUid = live.metadata.uid;
    const goneUid = '00000000-dead-4000-8000-000000000000';

    // The previous agent run: both pods published the volume, staged once.
    const before = new CsiVolumeManager({ registry, agentDir, nodeName: 'n1', api: { csiDriver: async () => ({ spec: { attachRequired: false } }), volumeAttachment: async () => undefined, secret: async () => undefined }, log: quiet });
    for (const uid of [liveUid, goneUid]) {
      const pod = { ...live, metadata: { ...live.metadata, uid } } as Pod;
      await before.publish({ pod, specVolumeName: 'data', claimName: 'db', pvName: 'pv-db', pv, mode: 'Filesystem', readOnly: false });
    }
    // Another deleted pod, whose driver (a pod itself) registers only after the agent is back.
    const late = new BindMountCsiDriver('late.csi.test', join(base, 'backing-late'));
    registry.add('late.csi.test', late);
    const lateUid = '00000000-1a7e-4000-8000-000000000000';
    const latePv: PersistentVolumeObject = { metadata: { name: 'pv-late' }, spec: { accessModes: ['ReadWriteOnce'], csi: { driver: 'late.csi.test', volumeHandle: 'vol-late' } } };
    await before.publish({ pod: { ...live, metadata: { ...live.metadata, uid: lateUid } } as Pod, specVolumeName: 'data', pvName: 'pv-late', pv: latePv, mode: 'Filesystem', readOnly: false });
    registry.remove('late.csi.test');
    await writeFile(join(podMountPath(join(agentDir, 'pods', liveUid), 'pv-db'), 'table'), 'rows');
    assert.deepEqual(driver.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodePublishVolume']);
    driver.calls.length = 0;

    // The agent starts again (a new manager, nothing in memory).
    const created: ContainerConfig[] = [];
    const deps = {
      nodeName: 'n1',
      hostIP: '127.0.0.1',
      dataDir: agentDir,
      runtime: {
        name: 'runc',
        capabilities: { isolation: false, podNetwork: false, cgroups: false, oomScoreAdj: false },
        recover: async () => undefined,
        list: () => [],
        createSandbox: async (cfg: { podUid: string; dir: string }) => ({ podUid: cfg.podUid, dir: cfg.dir, hostNetwork: true }),
        removeSandbox: async () => undefined,
        createContainer: async (_s: unknown, cfg: ContainerConfig) => {
          created.push(cfg);
          return { id: cfg.id, podUid: cfg.podUid, name: cfg.name, state: 'created', logPath: cfg.logPath };
        },
        start: async (id: string) => ({ id, podUid: liveUid, name: 'c', state: 'running', logPath: '' }),
        waitExit: () => new Promise(() => undefined),
        stop: async () => undefined,
        remove: async () => undefined,
      },
      network: { teardown: async () => undefined },
      images: { get: async () => ({ id: 'sha256:x', references: [], size: 0, config: {}, layerDirs: [] }), ensure: async () => ({ id: 'sha256:x', references: [], size: 0, config: {}, layerDirs: [] }) },
      client,
      recorder: new EventRecorder(client, 'kubelet', quiet, 'n1'),
      log: quiet,
      dns: { clusterDomain: 'cluster.local' },
      sources: {
        configMap: async () => undefined,
        secret: async () => undefined,
        persistentVolumeClaim: async (_ns: string, n: string) => (n === 'db' ? pvc : undefined),
        persistentVolume: async (n: string) => (n === 'pv-db' ? pv : undefined),
        csiDriver: async () => ({ spec: { attachRequired: false } }),
        volumeAttachment: async () => undefined,
        serviceAccountToken: async () => ({ token: 't', expirationTimestamp: '' }),
        configMapData: async () => undefined,
        secretData: async () => undefined,
      },
      runtimeClasses: async () => undefined,
      restartBackoffMs: 10_000,
      nodeCapacity: { cpu: 1, memory: 1 << 30 },
      csi: registry,
    } as unknown as WorkerDeps;
    manager = new PodManager(deps, quiet);
    await manager.start();
    const staging = stagingPath(agentDir, DRIVER, 'vol-db');
    // The deleted pod: unpublished, its directory gone; the volume stays staged for the running one.
    assert.equal(driver.methods().filter((m) => m === 'nodeUnstageVolume').length, 0);
    assert.ok(driver.calls.some((c) => c.method === 'nodeUnpublishVolume' && c.req.targetPath === podMountPath(join(agentDir, 'pods', goneUid), 'pv-db')));
    assert.equal(existsSync(join(agentDir, 'pods', goneUid)), false);
    await until('the running pod is synced', async () => created.length > 0, { timeoutMs: 20_000 });
    // The late driver's orphan waits for it (its mount intact), and goes as soon as it registers.
    assert.ok((await mountsUnder(join(agentDir, 'pods', lateUid))).length > 0);
    registry.add('late.csi.test', late);
    await until("the late driver's orphan is torn down", async () => !existsSync(join(agentDir, 'pods', lateUid)), { timeoutMs: 15_000, context: async () => late.methods().join(',') });
    assert.deepEqual(late.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodeUnpublishVolume', 'nodeUnstageVolume']);
    assert.equal(manager.csiVolumes.refCount(staging), 1);
    assert.equal(await readFile(join(podMountPath(join(agentDir, 'pods', liveUid), 'pv-db'), 'table'), 'utf8'), 'rows');

    // The running pod is deleted: unpublished and unstaged, once.
    await client.delete(R.pods, 'default', 'live');
    await until('the volume is unstaged', async () => driver.methods().includes('nodeUnstageVolume'), { timeoutMs: 30_000, context: async () => driver.methods().join(',') });
    await until('the pod directory is gone', async () => !existsSync(join(agentDir, 'pods', liveUid)), { timeoutMs: 10_000 });
    assert.equal(driver.methods().filter((m) => m === 'nodeUnstageVolume').length, 1);
    assert.deepEqual(await mountsUnder(base), []);
    assert.equal(await readFile(join(driver.root, 'vol-db', 'table'), 'utf8'), 'rows');
  } finally {
    manager?.stop();
    client.close();
    await api.stop();
    for (const m of (await mountsUnder(base)).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m]);
    await rm(base, { recursive: true, force: true });
  }
});
