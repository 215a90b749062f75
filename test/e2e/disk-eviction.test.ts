// Disk pressure on a real node: the cluster's data dir is a small filesystem of the test's own (a
// loop device), the agent's nodefs threshold sits a few hundred MiB below what it has free, and a pod
// fills its emptyDir past it. The node reports DiskPressure, the agent evicts the pod using most
// above its ephemeral-storage request with the kubelet's message, hands its disk back at once (so
// the other pod stays), and the condition clears after the transition period. Before evicting, the
// agent removes the images no pod uses (the kubelet's node-level reclaim); the one in use stays.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { createImageStore } from '../../src/agent/images/store.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for a loop-mounted filesystem and the node agent' : false;

let c: Cluster;
let work = '';
let mountPoint = '';

const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) =>
  waitUntil(what, fn, {
    timeoutMs: ms,
    intervalMs: 250,
    context: async () =>
      `${(await c.kubectl(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout}\n${(await c.kubectl(['describe', 'nodes'], { allowFail: true })).stdout
        .split('\n')
        .filter((l) => /Pressure/.test(l))
        .join('\n')}`,
  });

before(async () => {
  if (skip) return;
  work = await mkdtemp(join(tmpdir(), 'gifee-disk-'));
  mountPoint = join(work, 'data');
  execFileSync('truncate', ['-s', '1G', join(work, 'fs.img')]);
  execFileSync('mkfs.ext4', ['-q', '-F', join(work, 'fs.img')]);
  execFileSync('mkdir', ['-p', mountPoint]);
  execFileSync('mount', ['-o', 'loop', join(work, 'fs.img'), mountPoint]);
  // nodefs.available < 600Mi on a filesystem with ~900Mi free: pressure once a pod writes ~400Mi.
  c = await startCluster({ agent: true, dataDir: mountPoint, extraArgs: ['--eviction-hard', 'nodefs.available<600Mi', '--eviction-pressure-transition-period', '5s', '--image-minimum-gc-age', '0s'] });
  const images = await testImages();
  await importImages(c.dataDir, [images.busybox, images.web1, images.web2]);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
  // The node reset of c.stop() may have unmounted it already (it unmounts what is under the data dir).
  if (mountPoint && readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mountPoint} `)) execFileSync('umount', ['-l', mountPoint]);
  if (work) await rm(work, { recursive: true, force: true });
});

const pod = (name: string, command: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'scratch', emptyDir: {} }], containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sh', '-c', command], volumeMounts: [{ name: 'scratch', mountPath: '/data' }] }] },
});

test('a pod filling its emptyDir past the nodefs threshold is evicted for ephemeral-storage and its disk handed back; the other pod stays', { skip }, async () => {
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod('quiet', 'sleep 3600')) });
  await until('quiet Running', async () => (await jp('pod quiet', '{.status.phase}')) === 'Running');
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod('filler', 'dd if=/dev/zero of=/data/fill bs=1M count=400 && sleep 3600')) });
  await until('the node reports DiskPressure', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="DiskPressure")].status}')) === 'True');
  await until('filler evicted', async () => (await jp('pod filler', '{.status.phase}/{.status.reason}')) === 'Failed/Evicted');
  const message = await jp('pod filler', '{.status.message}');
  // Quantities as Kubernetes prints them: the largest binary unit that divides the figure (Ki, or Mi when it falls on a MiB).
  assert.match(message, /^The node was low on resource: ephemeral-storage\. Threshold quantity: 600Mi, available: \d+(?:[KMGTPE]i)?\. Container main was using \d+(?:[KMGTPE]i)?, request is 0, has larger consumption of ephemeral-storage\. $/);
  // Its emptyDir is gone at once, so the pressure ends and nobody else is evicted.
  await until('DiskPressure cleared after the transition period', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="DiskPressure")].status}')) === 'False', 60_000);
  assert.equal(await jp('pod quiet', '{.status.phase}'), 'Running', await jp('pod quiet', '{.status.message}'));
  const events = (await c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=filler', '-o', 'jsonpath={.items[*].reason}'])).stdout;
  assert.match(events, /Evicted/);
  // The unused images went first (not enough here, so a pod went too); the pods' image stays.
  const names = (await createImageStore({ dataDir: c.dataDir }).list()).flatMap((i) => i.references).sort();
  assert.deepEqual(names, ['gifee.local/busybox:1']);
  assert.match(c.logs(), /"msg":"removed unused image"/);
});
