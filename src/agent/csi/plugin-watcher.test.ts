// The plugin watcher against a real API server in this process, as the node itself
// (system:node:n1, through the Node authorizer, RBAC and NodeRestriction): a driver registers by
// putting its registration socket in the registry directory, and appears in the registry, in the
// node's CSINode (owned by the Node) and in the Node's labels and nodeid annotation; a refused
// registration is told why; when the socket goes, so does the driver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { tempDir } from '../../../test/helpers/temp-dirs.js';
import { testDriver } from '../../../test/helpers/csi-test-driver.js';
import { until } from '../../../test/helpers/wait.js';
import { authorizerOf } from '../../cli/authorizer.js';
import { issueCert } from '../../cli/pki.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { pluginRegistryDir } from '../../csi/paths.js';
import { serveDriver, serveRegistration, type RegistrationStatus } from '../../csi/registration.js';
import { logger } from '../../util/log.js';
import { ANN_CSI_NODE_ID, CSINODES, CsiNodeInfo } from './csinode.js';
import { PluginWatcher } from './plugin-watcher.js';

test('drivers register through the registry directory into the registry, CSINode and the Node, and leave with their sockets', async () => {
  const api = await startInProcessApi({ authorizer: authorizerOf('RBAC') });
  const admin = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const nodeCert = await issueCert(api.pki.ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
  const asNode = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: nodeCert.cert, key: nodeCert.key });
  const agentDir = tempDir('gifee-csi-watch-');
  const log = logger('csi-test');
  const watcher = new PluginWatcher({ registryDir: pluginRegistryDir(agentDir), nodeInfo: new CsiNodeInfo(asNode, 'n1', log), log, rescanMs: 300 });
  const changes: string[] = [];
  watcher.onChange((n) => changes.push(n));
  const closers: (() => Promise<void>)[] = [];
  try {
    const node = await admin.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.b.csi.test/rack': 'r7' } } });
    await watcher.start();

    const statusA: RegistrationStatus[] = [];
    const a = await serveDriver(testDriver({ name: 'a.csi.test', nodeId: 'node-a', maxVolumesPerNode: 5, topology: { 'topology.a.csi.test/zone': 'z1' } }), { agentDir, onStatus: (s) => statusA.push(s) });
    closers.push(a.close);
    const b = await serveDriver(testDriver({ name: 'b.csi.test', nodeId: 'node-b' }), { agentDir });
    closers.push(b.close);
    await until('both drivers registered', async () => watcher.names().join() === 'a.csi.test,b.csi.test', { timeoutMs: 15_000 });
    assert.deepEqual(statusA, [{ pluginRegistered: true, error: '' }]);
    assert.equal((await watcher.get('a.csi.test')!.node.nodeGetInfo()).nodeId, 'node-a');
    assert.equal(watcher.info('a.csi.test')?.endpoint, a.socketPath);
    assert.deepEqual(changes.sort(), ['a.csi.test', 'b.csi.test']);

    const csiNode = await admin.get(CSINODES, undefined, 'n1');
    assert.deepEqual(csiNode.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata?.uid }]);
    const drivers = (csiNode.spec as { drivers: unknown[] }).drivers;
    assert.deepEqual(
      [...drivers].sort((x, y) => ((x as { name: string }).name < (y as { name: string }).name ? -1 : 1)),
      [
        { name: 'a.csi.test', nodeID: 'node-a', topologyKeys: ['topology.a.csi.test/zone'], allocatable: { count: 5 } },
        { name: 'b.csi.test', nodeID: 'node-b', topologyKeys: [] },
      ],
    );
    const n1 = await admin.get(R.nodes, undefined, 'n1');
    assert.equal(n1.metadata?.labels?.['topology.a.csi.test/zone'], 'z1');
    assert.deepEqual(JSON.parse(n1.metadata?.annotations?.[ANN_CSI_NODE_ID] ?? '{}'), { 'a.csi.test': 'node-a', 'b.csi.test': 'node-b' });

    // A registrar that chmods or chowns its socket after binding (serveOnSocket does) changes its
    // ctime, not its identity: the driver stays registered, no deregistration, no second install.
    const changesBefore = changes.length;
    await chmod(a.registration.socketPath, 0o640);
    await watcher.scan();
    await watcher.scan();
    assert.equal(changes.length, changesBefore);
    assert.equal(watcher.names().join(), 'a.csi.test,b.csi.test');

    // Refused: an old CSI version; a topology label that contradicts the Node's; an endpoint that is
    // not on this node (a registrar announcing the socket's path in its container) or not a socket.
    const refusals: Record<string, RegistrationStatus[]> = { old: [], clash: [], dead: [], file: [] };
    const old = await serveRegistration(pluginRegistryDir(agentDir), { name: 'old.csi.test', endpoint: a.socketPath, versions: ['0.3.0'], onStatus: (s) => refusals.old.push(s) });
    closers.push(old.close);
    const clash = await serveDriver(testDriver({ name: 'clash.csi.test', topology: { 'topology.b.csi.test/rack': 'r9' } }), { agentDir, onStatus: (s) => refusals.clash.push(s) });
    closers.push(clash.close);
    const dead = await serveRegistration(pluginRegistryDir(agentDir), { name: 'dead.csi.test', endpoint: join(agentDir, 'nobody.sock'), onStatus: (s) => refusals.dead.push(s) });
    closers.push(dead.close);
    await writeFile(join(agentDir, 'plain-file'), 'not a socket');
    const file = await serveRegistration(pluginRegistryDir(agentDir), { name: 'file.csi.test', endpoint: join(agentDir, 'plain-file'), onStatus: (s) => refusals.file.push(s) });
    closers.push(file.close);
    await until('the four refusals are sent', async () => Object.values(refusals).every((s) => s.length > 0), { timeoutMs: 20_000 });
    assert.match(refusals.old[0].error, /none of the versions specified \["0\.3\.0"\] are supported/);
    assert.match(refusals.clash[0].error, /detected topology value collision: driver reported "topology\.b\.csi\.test\/rack":"r9" but existing label is "topology\.b\.csi\.test\/rack":"r7"/);
    assert.match(refusals.dead[0].error, /endpoint \S*nobody\.sock does not exist on this node: the registrar must announce the driver socket's path on the host \(node-driver-registrar's --kubelet-registration-path, usually \S*\/plugins\/dead\.csi\.test\/csi\.sock\)/);
    assert.match(refusals.file[0].error, /endpoint \S*plain-file is not a unix socket/);
    assert.ok(Object.values(refusals).every((s) => s.every((x) => !x.pluginRegistered)));
    assert.equal(watcher.names().join(), 'a.csi.test,b.csi.test');

    // A driver goes: its registration socket disappears.
    await a.close();
    await until('a.csi.test deregistered', async () => watcher.names().join() === 'b.csi.test', { timeoutMs: 15_000 });
    await until('a.csi.test gone from CSINode and the annotation', async () => {
      const c = await admin.get(CSINODES, undefined, 'n1');
      const n = await admin.get(R.nodes, undefined, 'n1');
      return (c.spec as { drivers: { name: string }[] }).drivers.map((d) => d.name).join() === 'b.csi.test' && n.metadata?.annotations?.[ANN_CSI_NODE_ID] === JSON.stringify({ 'b.csi.test': 'node-b' });
    });
    assert.equal(watcher.get('a.csi.test'), undefined);
    assert.ok(changes.filter((c) => c === 'a.csi.test').length === 2, 'onChange on register and on removal');

    // A driver that comes back with another node id (an agent restart, a reinstalled driver): its
    // CSINode entry, immutable, is replaced.
    const info = new CsiNodeInfo(asNode, 'n1', log);
    await info.install({ name: 'b.csi.test', nodeId: 'node-b2', maxVolumesPerNode: 9 });
    const replaced = (await admin.get(CSINODES, undefined, 'n1')).spec as { drivers: unknown[] };
    assert.deepEqual(replaced.drivers, [{ name: 'b.csi.test', nodeID: 'node-b2', topologyKeys: [], allocatable: { count: 9 } }]);
    assert.equal((await admin.get(R.nodes, undefined, 'n1')).metadata?.annotations?.[ANN_CSI_NODE_ID], JSON.stringify({ 'b.csi.test': 'node-b2' }));
    // Not for another node's CSINode: NodeRestriction says no.
    await assert.rejects(new CsiNodeInfo(asNode, 'n2', log).ensure(), /can only access CSINode with the same name as the requesting node/);
  } finally {
    await watcher.stop();
    for (const c of closers) await c().catch(() => {});
    admin.close();
    asNode.close();
    await api.stop();
  }
});
