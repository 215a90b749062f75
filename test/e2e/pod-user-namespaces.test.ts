// hostUsers: false end to end on a real agent with runc: the pod runs in its own user namespace
// (uid_map inside; root inside is an unprivileged host uid from the pod's range, seen with ps from
// the host), its rootfs and emptyDir are shifted so root inside owns and writes them, the range is
// persisted and released on deletion; host namespaces and unshiftable volumes are refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) === 0 ? 'user namespaces are disabled on this host' : false;

let c: Cluster;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await k(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });
const apply = (pod: object, allowFail = false) => k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod }), allowFail });
const pod = (name: string, script: string, spec: Record<string, unknown> = {}, mounts: unknown[] = []) => ({
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 0, hostUsers: false, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sh', '-c', script], volumeMounts: mounts }], ...spec },
});
const exec = async (p: string, script: string) => (await k(['exec', p, '--', 'sh', '-c', script])).stdout;
const rangesFile = () => join(c.dataDir, 'agent', 'userns-ranges.json');
const ranges = (): Record<string, number> => (existsSync(rangesFile()) ? JSON.parse(readFileSync(rangesFile(), 'utf8')) : {});

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, env: { GIFEE_RESTART_BACKOFF_MS: '500' } });
  await c.kubectl(['label', 'ns', 'default', 'pod-security.kubernetes.io/enforce=privileged']);
  const { createImageStore } = await import('../../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(images.busybox);
  await until('node Ready with a pod CIDR', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));
});

after(async () => {
  if (c) await c.stop();
});

test('hostUsers: false runs the pod in its own user namespace: uid_map, an unprivileged host uid, shifted rootfs and emptyDir; two pods get distinct ranges, released on deletion', { skip }, async () => {
  const script = (n: number) => `echo root-write > /etc/written && touch /data/f && sleep ${n}`;
  await apply(pod('userns-a', script(3601), { volumes: [{ name: 'data', emptyDir: {} }] }, [{ name: 'data', mountPath: '/data' }]));
  await apply(pod('userns-b', script(3602), { volumes: [{ name: 'data', emptyDir: {} }] }, [{ name: 'data', mountPath: '/data' }]));
  for (const p of ['userns-a', 'userns-b']) await until(`${p} Running`, async () => (await jp(`pod ${p}`, '{.status.phase}')) === 'Running');
  const uidA = (await jp('pod userns-a', '{.metadata.uid}')).trim();
  const uidB = (await jp('pod userns-b', '{.metadata.uid}')).trim();
  const saved = ranges();
  const [a, b] = [saved[uidA], saved[uidB]];
  assert.ok(a >= 16 * 65536 && b >= 16 * 65536 && a !== b && Math.abs(a - b) >= 65536, JSON.stringify(saved));

  // Inside: the mapping, root, and root owns (and could write) the image's files and the emptyDir.
  assert.deepEqual((await exec('userns-a', 'cat /proc/self/uid_map')).trim().split(/\s+/), ['0', String(a), '65536']);
  assert.deepEqual((await exec('userns-a', 'cat /proc/self/gid_map')).trim().split(/\s+/), ['0', String(a), '65536']);
  assert.equal((await exec('userns-a', 'id -u; id -g')).trim(), '0\n0');
  assert.equal((await exec('userns-a', 'cat /etc/written')).trim(), 'root-write');
  assert.match(await exec('userns-a', 'ls -ln /data/f /bin/busybox'), /^\S+\s+\d+\s+0\s+0\s.*\/bin\/busybox\n\S+\s+\d+\s+0\s+0\s.*\/data\/f/);
  // sysfs and mqueue are the pod's own (its network and ipc namespaces belong to its user namespace).
  assert.match(await exec('userns-a', 'grep -E " /sys | /dev/mqueue " /proc/self/mountinfo'), /sysfs[\s\S]*mqueue|mqueue[\s\S]*sysfs/);

  // From the host: the container's root is the range's first uid, and the emptyDir file is owned by it.
  const ps = execFileSync('ps', ['-eo', 'uid=,gid=,args='], { encoding: 'utf8' });
  assert.match(ps, new RegExp(`^\\s*${a}\\s+${a}\\s+sleep 3601$`, 'm'), ps);
  assert.match(ps, new RegExp(`^\\s*${b}\\s+${b}\\s+sleep 3602$`, 'm'), ps);
  const f = execFileSync('find', [join(c.dataDir, 'agent'), '-path', `*${uidA}*empty-dir/data/f`], { encoding: 'utf8' }).trim();
  assert.ok(f, 'the emptyDir file on the host');
  assert.deepEqual([statSync(f).uid, statSync(f).gid], [a, a]);

  await k(['delete', 'pod', 'userns-a', 'userns-b', '--wait=true']);
  await until('ranges released', async () => Object.keys(ranges()).length === 0);
});

test('hostUsers: false with host namespaces is refused by the API; volumes that cannot be shifted fail the pod with UserNamespaceVolume', { skip }, async () => {
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
    const r = await apply(pod(`userns-${f.toLowerCase()}`, 'sleep 1', { [f]: true }), true);
    assert.match(r.stderr, new RegExp(`spec.${f}: Forbidden: when \`hostUsers\` is false`), r.stderr);
  }
  await apply(pod('userns-hostpath', 'sleep 3600', { volumes: [{ name: 'h', hostPath: { path: '/tmp' } }] }, [{ name: 'h', mountPath: '/h' }]));
  await until('userns-hostpath Failed', async () => (await jp('pod userns-hostpath', '{.status.phase}')) === 'Failed');
  assert.equal(await jp('pod userns-hostpath', '{.status.reason}'), 'UserNamespaceVolume');
  assert.match(await jp('pod userns-hostpath', '{.status.message}'), /may only use emptyDir, configMap, secret, downwardAPI, projected volumes.*: h \(hostPath\)/);
  assert.match((await k(['describe', 'pod', 'userns-hostpath'])).stdout, /UserNamespaceVolume/);
  await k(['delete', 'pod', 'userns-hostpath', '--wait=true']);
});
