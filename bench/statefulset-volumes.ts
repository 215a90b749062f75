// StatefulSet with storage: time from creating a StatefulSet of N=20 replicas (Parallel pod
// management) with one volumeClaimTemplate on the default class `local` until every pod is Running
// with its claim Bound, against the same StatefulSet without claims, measured in the same run on the
// same cluster with a real agent. Goal: ratio <= 2. Needs Linux and root. BENCH_LOG=<file> keeps
// the cluster's log (timestamped lines of every component) and, with BENCH_PROFILE=1, watches claims
// and pods (each change timestamped as seen: selected node, phase, volume) for a profile of where
// each claim's time goes (the watches add load: figures of a profiled run are not the benchmark's).

import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { startCluster } from '../test/helpers/cluster.js';
import { importImages, testImages } from '../test/helpers/images.js';
import { report } from './stats.js';

const N = Number(process.env.BENCH_REPLICAS ?? 20);

const statefulSet = (name: string, withClaims: boolean) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name },
  spec: {
    serviceName: name,
    replicas: N,
    podManagementPolicy: 'Parallel',
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], ...(withClaims ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}) }],
      },
    },
    ...(withClaims ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } }] } : {}),
  },
});

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('bench statefulset-volumes: skipped (needs root)');
    return;
  }
  const c = await startCluster({ agent: true });
  const watched: string[] = [];
  let watches: ChildProcess[] = [];
  try {
    await importImages(c.dataDir, [(await testImages()).busybox]);
    const ready = async () => (await c.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}'], { allowFail: true })).stdout === 'True';
    while (!(await ready())) await new Promise((r) => setTimeout(r, 200));

    const timeToRunning = async (name: string, withClaims: boolean) => {
      const t0 = performance.now();
      await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(statefulSet(name, withClaims)) });
      const deadline = t0 + 300_000;
      for (;;) {
        const phases = (await c.kubectl(['get', 'pods', '-l', `app=${name}`, '-o', 'jsonpath={.items[*].status.phase}'], { allowFail: true })).stdout.split(' ').filter((p) => p === 'Running').length;
        const bound = withClaims ? (await c.kubectl(['get', 'pvc', '-o', 'jsonpath={.items[*].status.phase}'], { allowFail: true })).stdout.split(' ').filter((p) => p === 'Bound').length : N;
        if (phases === N && bound >= N) return performance.now() - t0;
        if (performance.now() > deadline) throw new Error(`${name}: ${phases}/${N} Running, ${bound} Bound after 300 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    watches = process.env.BENCH_PROFILE
      ? [
          ['pvc', '{.metadata.name} node={.metadata.annotations.volume\\.kubernetes\\.io/selected-node} provisioner={.metadata.annotations.volume\\.kubernetes\\.io/storage-provisioner} phase={.status.phase} volume={.spec.volumeName}{"\\n"}'],
          ['pods', '{.metadata.name} node={.spec.nodeName} phase={.status.phase}{"\\n"}'],
          ['pv', '{.metadata.name} claim={.spec.claimRef.name} phase={.status.phase}{"\\n"}'],
        ].map(([kind, template]) => {
          const w = spawn('kubectl', ['--kubeconfig', c.kubeconfig, 'get', kind, '--watch', '-o', `jsonpath=${template}`], { stdio: ['ignore', 'pipe', 'ignore'] });
          w.stdout.on('data', (d: Buffer) => {
            for (const line of String(d).split('\n')) if (line.trim()) watched.push(`${new Date().toISOString()} ${kind} ${line}`);
          });
          return w;
        })
      : [];
    const bare = await timeToRunning('plain', false);
    await c.kubectl(['delete', 'statefulset', 'plain', '--wait=true']);
    // The second run starts on an idle node: the first one's pods torn down, so their teardown
    // (container removal, network) is not counted against the claims.
    for (const deadline = performance.now() + 300_000; ; ) {
      const left = (await c.kubectl(['get', 'pods', '-l', 'app=plain', '-o', 'name'], { allowFail: true })).stdout.trim();
      if (!left) break;
      if (performance.now() > deadline) throw new Error(`plain pods still there after 300 s: ${left}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const withClaims = await timeToRunning('stateful', true);
    report(`statefulset-volumes (N=${N})`, `${(withClaims / 1000).toFixed(1)}s to all Running with Bound claims`, `${(bare / 1000).toFixed(1)}s without claims`, withClaims / bare, 'goal <= 2');
  } finally {
    for (const w of watches) w.kill();
    if (process.env.BENCH_LOG) await writeFile(process.env.BENCH_LOG, `${c.logs()}\n${watched.join('\n')}\n`);
    await c.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
