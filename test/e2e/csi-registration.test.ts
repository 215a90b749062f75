// A third-party CSI driver on a real cluster: `gifee server` with its agent started with
// --kubelet-dir (as for drivers whose manifests hard-code /var/lib/kubelet); a driver process with
// a node-driver-registrar-style socket in <kubelet-dir>/plugins_registry is registered by the agent
// and shows in `kubectl get csinode` and the Node's nodeid annotation and labels; stopping it takes
// it out again. The process runtime keeps the cluster small (no pods are run).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until as waitUntil } from '../helpers/wait.js';

const NODE = 'csi-e2e-node';
const DRIVER = 'e2e.csi.example.com';
const script = fileURLToPath(new URL('../helpers/csi-driver-process.js', import.meta.url));

let c: Cluster;
let kubeletDir: string;
const until = (what: string, fn: () => Promise<boolean>) => waitUntil(what, fn, { timeoutMs: 30_000, context: () => c.logs().slice(-3000) });
const json = async (args: string[]) => JSON.parse((await c.kubectl([...args, '-o', 'json'])).stdout);

before(async () => {
  kubeletDir = await mkdtemp(join(tmpdir(), 'gifee-kubelet-'));
  c = await startCluster({ agent: { nodeName: NODE }, extraArgs: ['--runtime', 'process', '--kubelet-dir', kubeletDir] });
});

after(async () => {
  await c?.stop();
  await rm(kubeletDir, { recursive: true, force: true });
});

test('a third-party driver registers with the agent through <kubelet-dir>/plugins_registry', async () => {
  // The agent made the node's CSINode at start, owned by its Node, with no drivers yet.
  await until('an empty CSINode', async () => (await c.kubectl(['get', 'csinode', NODE, '-o', 'jsonpath={.metadata.ownerReferences[0].kind}'], { allowFail: true })).stdout === 'Node');
  const driver: ChildProcess = spawn(process.execPath, [script, '--name', DRIVER, '--endpoint', join(kubeletDir, 'plugins', DRIVER, 'csi.sock'), '--registry', join(kubeletDir, 'plugins_registry'), '--node-id', 'vendor-node-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  driver.stdout!.on('data', (d) => (out += d));
  driver.stderr!.on('data', (d) => (out += d));
  try {
    await until('the driver is told it is registered', async () => out.includes('registered'));
    const csiNode = await json(['get', 'csinode', NODE]);
    assert.deepEqual(csiNode.spec.drivers, [{ name: DRIVER, nodeID: 'vendor-node-1', topologyKeys: [], allocatable: { count: 3 } }]);
    assert.match((await c.kubectl(['get', 'csinode', NODE])).stdout, new RegExp(`^${NODE}\\s+1\\s+`, 'm'));
    const node = await json(['get', 'node', NODE]);
    assert.deepEqual(JSON.parse(node.metadata.annotations['csi.volume.kubernetes.io/nodeid']), { [DRIVER]: 'vendor-node-1' });
    assert.equal(csiNode.metadata.ownerReferences[0].uid, node.metadata.uid);

    driver.kill('SIGTERM');
    await once(driver, 'exit');
    await until('the driver is gone from CSINode', async () => (await json(['get', 'csinode', NODE])).spec.drivers?.length === 0);
    const after = await json(['get', 'node', NODE]);
    assert.equal(after.metadata.annotations['csi.volume.kubernetes.io/nodeid'], undefined);
  } finally {
    if (driver.exitCode === null && driver.signalCode === null) driver.kill('SIGKILL');
  }
});
