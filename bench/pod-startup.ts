// Pod start latency on one node: create -> Running and -> Ready, p50/p99 over N pods (default 100)
// created at once through the API, against a bare `runc run --detach` of the same image (same
// overlayfs layers, same runc) measured in the same run. Also the idle RSS of a `gifee agent` process
// that joined the cluster, against a bare node process.
// Needs Linux and root.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startCluster } from '../test/helpers/cluster.js';
import { testImages } from '../test/helpers/images.js';
import { createImageStore } from '../src/agent/images/store.js';
import { RestClient, type WatchEvent } from '../src/client/rest.js';
import { R } from '../src/client/resources.js';
import { ms, percentile, report } from './stats.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_PODS ?? 100);
const BARE = Number(process.env.BENCH_BARE ?? 20);
/** Pods in flight at once: 1 measures each pod's start alone, as the bare runc baseline does. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);

const repoRoot = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();

async function rssKiB(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

/** Bare runc: overlay-mount the image's layers and `runc run --detach` a sleep; time to started. */
async function bareRunc(layerDirs: string[]): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-bench-runc-'));
  const lat: number[] = [];
  try {
    for (let i = 0; i < BARE; i++) {
      const b = join(dir, `b${i}`);
      await mkdir(join(b, 'rootfs'), { recursive: true });
      await mkdir(join(b, 'upper'));
      await mkdir(join(b, 'work'));
      const t0 = performance.now();
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${[...layerDirs].reverse().join(':')},upperdir=${b}/upper,workdir=${b}/work`, join(b, 'rootfs')]);
      await run('runc', ['spec', '--bundle', b]);
      const spec = JSON.parse(await readFile(join(b, 'config.json'), 'utf8'));
      spec.process.terminal = false;
      spec.process.args = ['sleep', '3600'];
      await writeFile(join(b, 'config.json'), JSON.stringify(spec));
      // stdio ignored: a detached container would otherwise hold our pipes open.
      await new Promise<void>((resolve, reject) => {
        const p = spawn('runc', ['--root', join(dir, 'root'), 'run', '--detach', '--bundle', b, `bench${i}`], { stdio: 'ignore' });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run exited ${code}`))));
      });
      lat.push(performance.now() - t0);
    }
  } finally {
    for (let i = 0; i < BARE; i++) {
      await run('runc', ['--root', join(dir, 'root'), 'delete', '--force', `bench${i}`]).catch(() => undefined);
      await run('umount', [join(dir, `b${i}`, 'rootfs')]).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  }
  return lat.sort((a, b) => a - b);
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('bench pod-startup: skipped (needs root for runc, mounts and network namespaces)');
    return;
  }
  const images = await testImages();
  const c = await startCluster({ agent: true });
  try {
    const store = createImageStore({ dataDir: c.dataDir });
    const [img] = await store.importFile(images.busybox);
    const bare = await bareRunc(img.layerDirs);

    const kc = JSON.parse(JSON.stringify((await import('yaml')).parse(await readFile(c.kubeconfig, 'utf8'))));
    const client = new RestClient({
      server: c.url,
      ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
      cert: Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString(),
      key: Buffer.from(kc.users[0].user['client-key-data'], 'base64').toString(),
    });
    const created = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const readyAt = new Map<string, number>();
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const w = client.watch(R.pods, 'default', { labelSelector: 'bench=startup' }, (e: WatchEvent) => {
      const name = e.object.metadata?.name ?? '';
      const st = e.object.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
      const now = performance.now();
      if (st?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, now);
      if (st?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && !readyAt.has(name)) readyAt.set(name, now);
      if (readyAt.size === N) done();
    });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const i = next++;
          if (i >= N) return;
          const name = `start-${i}`;
          created.set(name, performance.now());
          await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { bench: 'startup' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } });
          // Next pod once this one is Ready (or after 60 s).
          for (let w = 0; w < 6000 && !readyAt.has(name); w++) await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );
    await Promise.race([all, new Promise((r) => setTimeout(r, 300_000))]);
    const total = (performance.now() - t0) / 1000;
    w.abort();
    const toRunning = [...runningAt].map(([n, t]) => t - created.get(n)!).sort((a, b) => a - b);
    const toReady = [...readyAt].map(([n, t]) => t - created.get(n)!).sort((a, b) => a - b);
    const bareP50 = percentile(bare, 50);
    report(
      'pod-startup',
      `${N} pods create->Running p50 ${ms(percentile(toRunning, 50))} p99 ${ms(percentile(toRunning, 99))}, ->Ready p50 ${ms(percentile(toReady, 50))} p99 ${ms(percentile(toReady, 99))}, all Ready in ${total.toFixed(1)}s, ${CONCURRENCY} at a time`,
      `bare runc run p50 ${ms(bareP50)} p99 ${ms(percentile(bare, 99))} (sequential)`,
      percentile(toRunning, 50) / bareP50,
      `${readyAt.size}/${N} Ready`,
    );
    await client.request('DELETE', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dstartup', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5000));
    client.close();

    // A joined worker agent's idle RSS against a bare node process.
    const agentDir = await mkdtemp(join(tmpdir(), 'gifee-bench-agent-'));
    const bridge = `gfb${Math.floor(Math.random() * 0xfff).toString(16)}`;
    const cli = existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js')) && import.meta.url.endsWith('.js') ? [join(repoRoot, 'dist', 'src', 'cli', 'main.js')] : ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')];
    const agent = spawn(process.execPath, [...cli, 'agent', '--server', c.url, '--token-file', join(c.dataDir, 'node-token'), '--data-dir', agentDir, '--node-name', 'bench-worker', '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--bridge', bridge], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GIFEE_LOG: 'info' },
    });
    let log = '';
    agent.stderr!.on('data', (d) => (log += d));
    const bareNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    for (let i = 0; i < 600 && !log.includes('node agent ready'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 3000));
    const agentRss = await rssKiB(agent.pid!);
    const nodeRss = await rssKiB(bareNode.pid!);
    report('agent-idle-rss', `${(agentRss / 1024).toFixed(1)} MiB`, `bare node ${(nodeRss / 1024).toFixed(1)} MiB`, agentRss / nodeRss);
    agent.kill('SIGTERM');
    bareNode.kill();
    await new Promise((r) => agent.once('exit', r));
    const { resetNode } = await import('../src/agent/reset.js');
    await resetNode(agentDir, bridge);
    await rm(agentDir, { recursive: true, force: true });
  } finally {
    await c.stop();
  }
}

await main();
