// A third-party driver in its own process (test/helpers/csi-driver-process.ts: a driver plus a
// node-driver-registrar-style registration socket, as a DaemonSet runs them) is found and
// registered by the plugin watcher exactly like a built-in one; stopping it deregisters it; after a
// kill -9 its stale socket is replaced by the restarted registrar and the driver is registered
// anew; junk in the directory (a socket that is not gRPC, a plain file) is shrugged off; a registrar whose versions the agent refuses is told why and exits, as the real one does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tempDir } from '../../../test/helpers/temp-dirs.js';
import { until } from '../../../test/helpers/wait.js';
import { driverSocket, pluginRegistryDir } from '../../csi/paths.js';
import { logger } from '../../util/log.js';
import { PluginWatcher } from './plugin-watcher.js';

const script = fileURLToPath(new URL('../../../test/helpers/csi-driver-process.js', import.meta.url));

function startDriver(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function stopped(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

test('a third-party driver process registers through its registrar socket, and re-registers after a crash', async () => {
  const kubeletDir = tempDir('gifee-csi-3p-');
  const registry = pluginRegistryDir(kubeletDir);
  const endpoint = driverSocket(kubeletDir, 'thirdparty.csi.example.com');
  const args = ['--name', 'thirdparty.csi.example.com', '--endpoint', endpoint, '--registry', registry, '--node-id', 'ext-17'];
  const watcher = new PluginWatcher({ registryDir: registry, log: logger('csi-3p-test'), rescanMs: 300 });
  const children: ChildProcess[] = [];
  // Junk beside the real sockets: a socket that is not gRPC at all, a plain file, a hidden socket.
  await mkdir(registry, { recursive: true });
  await writeFile(join(registry, 'notes.txt'), 'not a socket');
  const junk = createServer((sock) => sock.end('hello, I am not gRPC'));
  await new Promise<void>((r) => junk.listen(join(registry, 'junk-reg.sock'), r));
  try {
    await watcher.start();
    const first = startDriver(args);
    children.push(first.child);
    await until('the third-party driver is registered', async () => first.output().includes('registered') && watcher.names().includes('thirdparty.csi.example.com'), { timeoutMs: 20_000, context: first.output });
    const driver = watcher.get('thirdparty.csi.example.com')!;
    assert.deepEqual(await driver.node.nodeGetInfo(), { nodeId: 'ext-17', maxVolumesPerNode: 3, accessibleTopology: undefined });
    assert.equal((await driver.getPluginInfo()).vendorVersion, '0.0.1-test');
    assert.equal(watcher.info('thirdparty.csi.example.com')?.endpoint, endpoint);

    // A clean stop removes its sockets: the driver is deregistered.
    first.child.kill('SIGTERM');
    await stopped(first.child);
    await until('deregistered after a clean stop', async () => watcher.names().length === 0, { timeoutMs: 10_000 });

    // A crash leaves stale sockets; the restarted registrar replaces them and registers again.
    const second = startDriver(args);
    children.push(second.child);
    await until('registered again', async () => second.output().includes('registered') && watcher.names().length === 1, { timeoutMs: 20_000, context: second.output });
    second.child.kill('SIGKILL');
    await stopped(second.child);
    const third = startDriver(args);
    children.push(third.child);
    await until('registered from the new socket', async () => third.output().includes('registered'), { timeoutMs: 20_000, context: third.output });
    await until('the registry reaches the new process', async () => (await watcher.get('thirdparty.csi.example.com')?.node.nodeGetInfo())?.nodeId === 'ext-17', { timeoutMs: 10_000 });

    // A registrar announcing only CSI 0.x is refused, told why, and exits as node-driver-registrar does.
    const old = startDriver(['--name', 'old.csi.example.com', '--endpoint', join(kubeletDir, 'old.sock'), '--registry', registry, '--version', '0.3.0']);
    children.push(old.child);
    const [code] = (await once(old.child, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(old.output(), /registration failed: none of the versions specified \["0\.3\.0"\] are supported/);
    assert.deepEqual(watcher.names(), ['thirdparty.csi.example.com']);
    assert.ok(!watcher.names().some((n) => n.includes('junk')));
  } finally {
    junk.close();
    await watcher.stop();
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await stopped(c);
      }
    }
  }
});

test('a registrar announcing the socket path inside its container instead of the host path is told so, and exits', async () => {
  const kubeletDir = tempDir('gifee-csi-3p-');
  const registry = pluginRegistryDir(kubeletDir);
  const driverName = 'hostpath.csi.example.com';
  const endpoint = driverSocket(kubeletDir, driverName);
  const helpers = (f: string) => fileURLToPath(new URL(`../../../test/helpers/${f}`, import.meta.url));
  const watcher = new PluginWatcher({ registryDir: registry, log: logger('csi-3p-test'), rescanMs: 300 });
  const children: ChildProcess[] = [];
  const start = (f: string, args: string[]) => {
    const child = spawn(process.execPath, [helpers(f), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    children.push(child);
    return { child, output: () => out };
  };
  try {
    await watcher.start();
    const driver = start('csi-hostpath-driver.js', ['--name', driverName, '--endpoint', endpoint, '--data-dir', join(kubeletDir, 'data'), '--node-id', 'n1']);
    await until('the driver serving', async () => driver.output().includes('serving'), { timeoutMs: 20_000, context: driver.output });
    // The classic mistake: --kubelet-registration-path as the driver container sees it.
    const wrong = start('csi-node-registrar.js', ['--csi-address', endpoint, '--kubelet-registration-path', '/csi/csi.sock', '--plugin-registration-path', registry]);
    const [code] = (await once(wrong.child, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(wrong.output(), /registration failed: endpoint \/csi\/csi\.sock does not exist on this node: the registrar must announce the driver socket's path on the host/);
    assert.ok(wrong.output().includes(`usually ${endpoint})`), wrong.output());
    assert.deepEqual(watcher.names(), []);
    const right = start('csi-node-registrar.js', ['--csi-address', endpoint, '--kubelet-registration-path', endpoint, '--plugin-registration-path', registry]);
    await until('registered with the host path', async () => right.output().includes(`registered ${driverName}`) && watcher.names().includes(driverName), { timeoutMs: 20_000, context: right.output });
    assert.equal((await watcher.get(driverName)!.node.nodeGetInfo()).nodeId, 'n1');
  } finally {
    await watcher.stop();
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await stopped(c);
      }
    }
  }
});
