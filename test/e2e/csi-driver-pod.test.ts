// A third-party CSI driver deployed as Kubernetes users deploy one, run unmodified AS A POD on a real
// agent (runc, started with --kubelet-dir as for manifests that hard-code /var/lib/kubelet): a
// DaemonSet whose pod holds the driver container (privileged, the kubelet dir's pods/ and plugins/
// mounted at the same paths with mountPropagation: Bidirectional) and a node-driver-registrar
// container (the plugin-registration socket in plugins_registry/), a CSIDriver object asking for the
// agent's built-in sidecars, and StorageClasses naming the driver. The image is built locally
// (test/helpers/csi-driver-image.ts: node + the hostpath driver + the registrar). End to end: the
// driver registers (CSINode); a claim of the class is provisioned by the agent's node-side
// provisioner through the driver's Controller service; an app pod mounts it and writes a file that
// appears in the driver's backing directory on the host (the bind mounts the driver made inside its
// container reached the host: propagation worked); the driver pod is replaced and the agent
// restarted while the volume is in use; deleting the pod and the claim unstages and deletes the
// volume; an Immediate claim with an fsGroup pod; deleting the DaemonSet deregisters the driver; and
// tearing the node down (what `gifee reset` does) leaves nothing mounted in the kubelet dir.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { CSI_DRIVER_IMAGE, DRIVER_SCRIPT, REGISTRAR_SCRIPT, csiDriverImage } from '../helpers/csi-driver-image.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root' : false;
const NODE = 'csi-pod-node';
const DRIVER = 'hostpath.csi.example.com';
const NS = 'csi-hostpath';

let c: Cluster;
let csiDir: string;
let backing: string;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const apply = (...objects: unknown[]) => k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
const context = async () =>
  [
    (await k(['get', 'pods,pvc,pv', '-A', '-o', 'wide'], { allowFail: true })).stdout,
    (await k(['get', 'events', '-A'], { allowFail: true })).stdout.split('\n').slice(-20).join('\n'),
    (await k(['logs', '-n', NS, '-l', 'app=csi-hostpath', '--all-containers', '--tail=30'], { allowFail: true })).stdout,
    c.logs().slice(-3000),
  ].join('\n');
const until = (what: string, fn: () => Promise<boolean>, ms = 120_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 300, context });
const hostMounts = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m);

before(async () => {
  if (skip) return;
  const images = await testImages();
  const driverImage = await csiDriverImage();
  backing = mkdtempSync(join(tmpdir(), 'gifee-csi-backing-'));
  // As for a vendor's manifests that hard-code /var/lib/kubelet: the agent's CSI paths moved with --kubelet-dir.
  csiDir = mkdtempSync(join(tmpdir(), 'gifee-kubelet-'));
  c = await startCluster({ agent: { nodeName: NODE }, extraArgs: ['--kubelet-dir', csiDir] });
  await importImages(c.dataDir, [images.busybox, driverImage]);
  await until('node Ready', async () => (await jp(`node ${NODE}`, '{.status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  await c?.stop();
  if (backing) rmSync(backing, { recursive: true, force: true });
  if (csiDir) {
    // Only after a failure is anything left to undo here (the test's own reset removes it otherwise).
    for (const m of hostMounts()
      .filter((m) => m === csiDir || m.startsWith(`${csiDir}/`))
      .sort((a, b) => b.length - a.length))
      execFileSync('umount', ['-l', m]);
    rmSync(csiDir, { recursive: true, force: true });
  }
});

/** The driver's manifests as its vendor would ship them, with the kubelet paths replaced by this agent's CSI directory. */
function driverManifests() {
  const hostPath = (name: string, path: string, type: string) => ({ name, hostPath: { path, type } });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      // No provisioner sidecar in the pod: the agent's built-in one serves the driver (docs/storage.md).
      metadata: { name: DRIVER, labels: { 'storage.gifee.dev/agent-sidecars': 'true' } },
      spec: { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'], fsGroupPolicy: 'File' },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'csi-hostpath-node', namespace: NS } },
    { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'csi-hostpath' }, provisioner: DRIVER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'csi-hostpath-node', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'csi-hostpath' } },
        template: {
          metadata: { labels: { app: 'csi-hostpath' } },
          spec: {
            // What vendors' node DaemonSets carry besides the containers.
            serviceAccountName: 'csi-hostpath-node',
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'hostpath',
                image: CSI_DRIVER_IMAGE,
                command: ['node', DRIVER_SCRIPT, '--name', DRIVER, '--endpoint', '/csi/csi.sock', '--data-dir', '/csi-data', '--node-id', '$(NODE_NAME)'],
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  // Stage and publish targets are host paths: mounted at the same place, and the
                  // driver's mounts must propagate back to the host.
                  { name: 'mountpoint-dir', mountPath: join(csiDir, 'pods'), mountPropagation: 'Bidirectional' },
                  { name: 'plugins-dir', mountPath: join(csiDir, 'plugins'), mountPropagation: 'Bidirectional' },
                  { name: 'csi-data-dir', mountPath: '/csi-data' },
                  // Block-capable drivers see the host's devices.
                  { name: 'device-dir', mountPath: '/dev' },
                ],
              },
              {
                name: 'node-driver-registrar',
                image: CSI_DRIVER_IMAGE,
                command: ['node', REGISTRAR_SCRIPT, '--csi-address', '/csi/csi.sock', '--kubelet-registration-path', join(csiDir, 'plugins', DRIVER, 'csi.sock'), '--plugin-registration-path', '/registration'],
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  { name: 'registration-dir', mountPath: '/registration' },
                ],
                livenessProbe: { exec: { command: ['sh', '-c', `test -S /registration/${DRIVER}-reg.sock`] }, periodSeconds: 10 },
              },
            ],
            volumes: [
              hostPath('socket-dir', join(csiDir, 'plugins', DRIVER), 'DirectoryOrCreate'),
              hostPath('mountpoint-dir', join(csiDir, 'pods'), 'DirectoryOrCreate'),
              hostPath('plugins-dir', join(csiDir, 'plugins'), 'Directory'),
              hostPath('registration-dir', join(csiDir, 'plugins_registry'), 'Directory'),
              hostPath('csi-data-dir', backing, 'DirectoryOrCreate'),
              hostPath('device-dir', '/dev', 'Directory'),
            ],
          },
        },
      },
    },
  ];
}

test('a third-party CSI driver deployed as a DaemonSet registers, provisions, mounts through Bidirectional propagation and deletes', { skip }, async () => {
  await apply(...driverManifests());

  // Registration through the registrar container's socket: the CSINode lists the driver with the node id it reported.
  await until('the driver pod Running', async () => (await jp(`pods -n ${NS} -l app=csi-hostpath`, '{.items[0].status.phase}')) === 'Running');
  await until('the driver in the CSINode', async () => (await jp(`csinode ${NODE}`, `{.spec.drivers[?(@.name=="${DRIVER}")].nodeID}`)) === NODE);
  assert.match((await k(['logs', '-n', NS, '-l', 'app=csi-hostpath', '-c', 'node-driver-registrar'])).stdout, new RegExp(`registered ${DRIVER.replaceAll('.', '\\.')}`));

  // A claim of the class and a pod using it: the agent's provisioner calls CreateVolume on the driver's socket.
  await apply(
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'csi-hostpath', resources: { requests: { storage: '10Mi' } } } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app', namespace: 'default' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'app', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'echo written-in-the-pod > /data/hello && sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      },
    },
  );
  await until('the app pod Running', async () => (await jp('pod app', '{.status.phase}')) === 'Running');
  assert.equal(await jp('pvc data', '{.status.phase}'), 'Bound');
  const pv = await jp('pvc data', '{.spec.volumeName}');
  const handle = await jp(`pv ${pv}`, '{.spec.csi.volumeHandle}');
  assert.equal(await jp(`pv ${pv}`, '{.spec.csi.driver}'), DRIVER);
  assert.equal(await jp(`pv ${pv}`, '{.metadata.annotations.pv\\.kubernetes\\.io/provisioned-by}'), DRIVER);
  assert.match(handle, /^pvc-[0-9a-f-]{36}$/);

  // The driver's bind mounts, made in its own container, are on the host (propagation) and in the app.
  const volumeDir = join(backing, handle);
  await until('the pod wrote into the driver backing directory', async () => existsSync(join(volumeDir, 'hello')));
  assert.equal(readFileSync(join(volumeDir, 'hello'), 'utf8'), 'written-in-the-pod\n');
  writeFileSync(join(volumeDir, 'from-host'), 'written-on-the-host\n');
  assert.equal((await k(['exec', 'app', '--', 'cat', '/data/from-host'])).stdout, 'written-on-the-host\n');
  const uid = await jp('pod app', '{.metadata.uid}');
  const target = join(csiDir, 'pods', uid, 'volumes', 'kubernetes.io~csi', pv, 'mount');
  assert.ok(hostMounts().includes(target), `the publish target ${target} is a mount on the host`);
  assert.ok(
    hostMounts().some((m) => m.startsWith(join(csiDir, 'plugins', 'kubernetes.io', 'csi', DRIVER)) && m.endsWith('/globalmount')),
    'the staging path is a mount on the host',
  );

  // The driver pod is replaced (an upgrade, a crash): the app keeps its volume, the new pod registers
  // again, and it is the new driver that unpublishes and unstages later.
  const first = await jp(`pods -n ${NS} -l app=csi-hostpath`, '{.items[0].metadata.name}');
  await k(['delete', 'pod', '-n', NS, first, '--wait=true', '--timeout=90s']);
  await until('a new driver pod Running', async () => {
    const pods = (await jp(`pods -n ${NS} -l app=csi-hostpath`, '{range .items[*]}{.metadata.name}={.status.phase}{" "}{end}')).trim().split(' ');
    return pods.length === 1 && !pods[0].startsWith(`${first}=`) && pods[0].endsWith('=Running');
  });
  await until('the new driver pod registered', async () => /registered/.test((await k(['logs', '-n', NS, '-l', 'app=csi-hostpath', '-c', 'node-driver-registrar'], { allowFail: true })).stdout));
  assert.equal(await jp(`csinode ${NODE}`, `{.spec.drivers[?(@.name=="${DRIVER}")].nodeID}`), NODE);
  assert.equal((await k(['exec', 'app', '--', 'cat', '/data/hello'])).stdout, 'written-in-the-pod\n');
  assert.ok(hostMounts().includes(target), 'the publish target survived the driver pod');

  // An agent restart keeps both pods running; the agent finds the registrar's socket again and rebuilds
  // what is staged and published from vol_data.json.
  const registrations = () =>
    c
      .logs()
      .split('\n')
      .filter((l) => l.includes('"CSI driver registered"') && l.includes(`"driver":"${DRIVER}"`)).length;
  const before = registrations();
  await c.restart();
  await until('node Ready again', async () => (await jp(`node ${NODE}`, '{.status.conditions[?(@.type=="Ready")].status}')) === 'True');
  await until('the driver registered with the restarted agent', async () => registrations() > before);
  assert.equal((await k(['exec', 'app', '--', 'cat', '/data/hello'])).stdout, 'written-in-the-pod\n');
  assert.equal(await jp('pod app', '{.status.containerStatuses[0].restartCount}'), '0');

  // Deleting the pod unpublishes and unstages (the driver unmounts, the host sees it go); the claim's deletion deletes the volume.
  await k(['delete', 'pod', 'app', '--wait=true', '--timeout=90s']);
  await until('no mount of the volume left on the host', async () => !hostMounts().some((m) => m.startsWith(join(csiDir, 'plugins', 'kubernetes.io', 'csi', DRIVER)) || m === target));
  assert.ok(existsSync(join(volumeDir, 'hello')), 'data stays until the claim goes');
  await k(['delete', 'pvc', 'data', '--wait=true', '--timeout=90s']);
  await until('the PV deleted', async () => (await k(['get', 'pv', pv], { allowFail: true })).code !== 0);
  assert.ok(!existsSync(volumeDir), 'DeleteVolume removed the backing directory');

  // A second volume, left in use to the end: of an Immediate class (provisioned before any pod, by the
  // agent that takes the claim), for a pod with an fsGroup (fsGroupPolicy File: the agent hands the
  // volume's root to the group, as the driver has no VOLUME_MOUNT_GROUP).
  await apply(
    { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'csi-hostpath-immediate' }, provisioner: DRIVER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'kept', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'csi-hostpath-immediate', resources: { requests: { storage: '10Mi' } } } },
  );
  await until('the Immediate claim Bound without a pod', async () => (await jp('pvc kept', '{.status.phase}')) === 'Bound');
  assert.equal(await jp('pvc kept', '{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}'), NODE);
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'keeper', namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 1,
      securityContext: { fsGroup: 2345 },
      containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
      volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'kept' } }],
    },
  });
  await until('keeper Running', async () => (await jp('pod keeper', '{.status.phase}')) === 'Running');
  const keptDir = join(backing, await jp(`pv ${await jp('pvc kept', '{.spec.volumeName}')}`, '{.spec.csi.volumeHandle}'));
  assert.equal(statSync(keptDir).gid, 2345, 'the volume root belongs to the fsGroup');
  assert.equal((await k(['exec', 'keeper', '--', 'stat', '-c', '%g', '/v'])).stdout.trim(), '2345');

  // Removing the DaemonSet stops the registrar, which takes its socket away: the driver is deregistered
  // (the volume it published stays mounted for the pod using it).
  await k(['delete', 'daemonset', '-n', NS, 'csi-hostpath-node', '--wait=true', '--timeout=90s']);
  await until('the driver gone from the CSINode', async () => !(await jp(`csinode ${NODE}`, '{.spec.drivers[*].name}')).split(' ').includes(DRIVER));
  const under = (dir: string) => hostMounts().filter((m) => m === dir || m.startsWith(`${dir}/`));
  assert.ok(under(join(csiDir, 'pods')).length > 0, "keeper's volume is still mounted");

  // Tearing the node down (resetNode, what `gifee reset` runs) leaves nothing mounted in the kubelet dir either.
  await c.stop();
  c = undefined as unknown as Cluster;
  assert.deepEqual(under(csiDir), []);
});
