// Node upgrade time per node with 20 pods (issue 16's benchmark, docs/upgrades.md): one real
// `gifee agent` (runc, on loopback) runs a Deployment of 20 pods pinned to its node. Each round
// upgrades the node twice, timed from the first step until the 20 pods are Running again:
//   - by hand, the steps a person scripts: `kubectl drain`, restart the agent on the same build,
//     wait for a heartbeat from the restarted agent, `kubectl uncordon` (the baseline);
//   - with `gifee upgrade plan --to BUILD`: the upgrade controller cordons, drains through the
//     eviction API, switches the agent onto a copy of this build at the next patch version, waits
//     for it to be Ready on that version (and still so 10 s later), uncordons.
// The pods cannot go elsewhere (pinned), so both include their eviction, their restart and the
// scheduler's placing them back. BENCH_REPLICAS (20) and BENCH_ROUNDS (2) change the shape.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, repoRoot, startCluster, type Cluster } from '../test/helpers/cluster.js';
import { copyGifeeBuild } from '../test/helpers/gifee-builds.js';
import { importImages, testImages } from '../test/helpers/images.js';
import { type JoinedAgent, startJoinedAgent } from '../test/helpers/joined-agent.js';
import { report } from './stats.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const N = Number(process.env.BENCH_REPLICAS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const NODE = 'bench-upgrade-node';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'load' },
  spec: {
    replicas: N,
    selector: { matchLabels: { app: 'load' } },
    template: {
      metadata: { labels: { app: 'load' } },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': NODE },
        terminationGracePeriodSeconds: 5,
        // Exits on SIGTERM within a second, as a well-behaved app does.
        containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'trap exit TERM; while :; do sleep 1; done'] }],
      },
    },
  },
};

async function until(what: string, fn: () => Promise<boolean>, ms = 300_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

async function main() {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') {
    console.log('bench node-upgrade: skipped (needs Linux and root: runc)');
    return;
  }
  const c: Cluster = await startCluster({ extraArgs: ['--cluster-cidr', `10.${200 + Math.floor(Math.random() * 50)}.0.0/16`] });
  const agentDir = await mkdtemp(join(tmpdir(), 'gifee-bench-upgrade-agent-'));
  const buildsDir = await mkdtemp(join(tmpdir(), 'gifee-bench-upgrade-builds-'));
  const bridge = `gfb${Math.floor(Math.random() * 0xffff).toString(16)}`;
  let agent: JoinedAgent | undefined;
  const jp = async (what: string[], path: string) => (await c.kubectl(['get', ...what, '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
  const running = async () => (await jp(['pods', '-l', 'app=load', '--field-selector', 'status.phase=Running'], '{.items[*].metadata.name}')).split(' ').filter(Boolean).length === N;
  const heartbeatAfter = async (ms: number) => {
    const hb = Date.parse(await jp(['node', NODE], '{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')) || 0;
    return (await jp(['node', NODE], '{.status.conditions[?(@.type=="Ready")].status}')) === 'True' && hb >= Math.ceil(ms / 1000) * 1000;
  };
  try {
    await importImages(agentDir, [(await testImages()).busybox]);
    let build: string | undefined; // this checkout's, until the first upgrade
    const start = () => (agent = startJoinedAgent({ server: c.url, tokenFile: join(c.dataDir, 'node-token'), dataDir: agentDir, nodeName: NODE, bridge, ...(build ? { build } : {}) }));
    start();
    await until('node Ready', () => heartbeatAfter(0));
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment) });
    await until(`${N} pods Running`, running);

    const manual: number[] = [];
    const automated: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let t0 = performance.now();
      await c.kubectl(['drain', NODE, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=300s']);
      // The agent is a thin parent with the switched build as its child after an upgrade: stop both.
      await agent!.stop({ group: true });
      const restartedAt = Date.now();
      start();
      await until('a heartbeat from the restarted agent', () => heartbeatAfter(restartedAt));
      await c.kubectl(['uncordon', NODE]);
      await until(`${N} pods Running again`, running);
      manual.push((performance.now() - t0) / 1000);

      const version = `0.1.${round}`;
      const target = await copyGifeeBuild(join(buildsDir, `gifee-${version}`), version);
      t0 = performance.now();
      await run(process.execPath, [...cliCommand(), 'upgrade', 'plan', '--data-dir', c.dataDir, '--to', target, '--ready-timeout', '120s'], { cwd: repoRoot });
      await until(`upgrade-${version} Complete`, async () => (await jp(['upgrades', `upgrade-${version}`], '{.status.phase}')) === 'Complete');
      await until(`${N} pods Running again`, running);
      automated.push((performance.now() - t0) / 1000);
      build = target;
      console.error(`round ${round}: by hand ${manual.at(-1)!.toFixed(1)} s, gifee upgrade ${automated.at(-1)!.toFixed(1)} s`);
    }
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
    };
    const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    report(
      'node-upgrade',
      `${med(automated).toFixed(1)} s per node with ${N} pods (gifee upgrade plan → Complete and the pods Running again; rounds: ${list(automated)} s)`,
      `${med(manual).toFixed(1)} s by hand (kubectl drain, agent restart, heartbeat, uncordon; rounds: ${list(manual)} s)`,
      med(automated) / med(manual),
      'the upgrade includes its 10 s check that the node stays Ready on the new version',
    );
  } finally {
    await agent?.stop({ group: true });
    const { resetNode } = await import('../src/agent/reset.js');
    await resetNode(agentDir, bridge).catch((e) => console.error('reset:', (e as Error).message));
    await rm(agentDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    await rm(buildsDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    await c.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
