// Pod security end to end on a real agent with runc containers: what a pod asks for in its
// securityContext is enforced inside the container (checked from /proc/self/status, id, writes),
// what cannot be enforced is refused with the kubelet's reasons, and a container cannot use a subPath
// to reach host files (CVE-2017-1002101).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages, writeOciLayout } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
const made: string[] = [];
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await k(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });
const apply = (pod: object) => k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod }) });
const running = (pod: string) => until(`${pod} Running`, async () => (await jp(`pod ${pod}`, '{.status.phase}')) === 'Running');
const waiting = async (pod: string, reason: string) => {
  await until(`${pod} waiting ${reason}`, async () => (await jp(`pod ${pod}`, '{.status.containerStatuses[0].state.waiting.reason}')) === reason);
  return jp(`pod ${pod}`, '{.status.containerStatuses[0].state.waiting.message}');
};
const sh = (name: string, script: string, extra: Record<string, unknown> = {}, podExtra: Record<string, unknown> = {}) =>
  apply({ metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sh', '-c', script], ...extra }], ...podExtra } });
const exec = async (pod: string, script: string) => (await k(['exec', pod, '--', 'sh', '-c', script], { allowFail: true })).stdout;

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, env: { GIFEE_RESTART_BACKOFF_MS: '500' } });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  await store.importFile(images.busybox);
  // Images whose USER is a name (nobody) and a number (1000): runAsNonRoot must tell them apart.
  for (const [ref, user] of [['gifee.local/user-name:1', 'nobody'], ['gifee.local/user-1000:1', '1000']]) {
    const root = mkdtempSync(join(tmpdir(), 'gifee-img-'));
    made.push(root);
    mkdirSync(join(root, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(join(root, 'rootfs', 'etc'));
    mkdirSync(join(root, 'rootfs', 'tmp'));
    chmodSync(join(root, 'rootfs', 'tmp'), 0o1777);
    copyFileSync('/bin/busybox', join(root, 'rootfs', 'bin', 'busybox'));
    chmodSync(join(root, 'rootfs', 'bin', 'busybox'), 0o755);
    symlinkSync('busybox', join(root, 'rootfs', 'bin', 'sh'));
    writeFileSync(join(root, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    writeFileSync(join(root, 'rootfs', 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const layout = await writeOciLayout(join(root, 'layout'), ref, [join(root, 'rootfs')], { Cmd: ['sh', '-c', 'id; sleep 3600'], User: user } as never);
    await store.importFile(layout);
  }
  await until('node Ready with a pod CIDR', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));
});

after(async () => {
  if (c) await c.stop();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test('subPath: a container that swaps its subPath for a symlink to a host path does not get the host path after a restart', { skip }, async () => {
  const host = mkdtempSync(join(tmpdir(), 'gifee-host-secret-'));
  made.push(host);
  writeFileSync(join(host, 'host-secret'), 'HOST FILE');
  // First run: replace the subPath directory with a symlink (absolute, then relative climbing out) and crash.
  const attack = (link: string) => `if [ -e /sub/host-secret ]; then echo ESCAPED; cat /sub/host-secret; sleep 3600; fi; if [ ! -L /vol/sub ]; then rm -rf /vol/sub && ln -s ${link} /vol/sub && echo swapped; exit 1; fi; echo safe; sleep 3600`;
  const mounts = { volumeMounts: [{ name: 'v', mountPath: '/vol' }, { name: 'v', mountPath: '/sub', subPath: 'sub' }] };
  const vols = { volumes: [{ name: 'v', emptyDir: {} }] };
  await sh('escape-abs', attack(host), mounts, vols);
  await sh('escape-rel', attack(`../../../../../../../../../../..${host}`), mounts, vols);
  for (const pod of ['escape-abs', 'escape-rel']) {
    const msg = await waiting(pod, 'CreateContainerConfigError');
    assert.match(msg, /subPath "sub".*outside the volume/, msg);
    const logs = (await k(['logs', pod, '--previous'], { allowFail: true })).stdout + (await k(['logs', pod], { allowFail: true })).stdout;
    assert.ok(!logs.includes('ESCAPED'), logs);
    assert.match(logs, /swapped/);
  }
  const events = (await k(['describe', 'pod', 'escape-abs'])).stdout;
  assert.match(events, /failed to prepare subPath for volumeMount "v"/);
  await k(['delete', 'pod', 'escape-abs', 'escape-rel', '--wait=true']);
});

test('subPath: symlinks that stay inside the volume, files, and subPathExpr from the environment work', { skip }, async () => {
  await apply({
    metadata: { name: 'subpaths' },
    spec: {
      terminationGracePeriodSeconds: 0,
      volumes: [{ name: 'v', emptyDir: {} }, { name: 'cm', configMap: { name: 'subpath-cm' } }],
      initContainers: [{ name: 'prep', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'mkdir -p /vol/real && echo inside > /vol/real/f && ln -s real /vol/link && ln -s ../real /vol/real/self'], volumeMounts: [{ name: 'v', mountPath: '/vol' }] }],
      containers: [{
        name: 'c', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'echo mine > /expr/own; sleep 3600'],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        volumeMounts: [
          { name: 'v', mountPath: '/all' },
          { name: 'v', mountPath: '/link', subPath: 'link' },
          { name: 'v', mountPath: '/self', subPath: 'real/self' },
          { name: 'v', mountPath: '/expr', subPathExpr: 'pods/$(POD_NAME)' },
          { name: 'cm', mountPath: '/etc/key.conf', subPath: 'key' },
        ],
      }],
    },
  });
  await k(['create', 'configmap', 'subpath-cm', '--from-literal=key=value-of-key']);
  await running('subpaths');
  assert.equal(await exec('subpaths', 'cat /link/f /self/f /etc/key.conf; echo; cat /all/pods/subpaths/own'), 'inside\ninside\nvalue-of-key\nmine\n');
  await k(['delete', 'pod', 'subpaths', '--wait=true']);
  await k(['delete', 'configmap', 'subpath-cm']);
});
