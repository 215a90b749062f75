// HA and backups (issue 16), all on loopback (127.0.0.1, distinct ports; no agent, no network
// namespace needed):
//  1. Pod creates/s through three managed-etcd servers (`--cluster-init` + two joins; the clients
//     round-robin over the three) vs one SQLite server, 16 clients, same run.
//  2. Write unavailability when the etcd leader's server is killed -9 under a steady write loop
//     (one ConfigMap create after another, round-robin over the live servers, 10 s timeout each):
//     the longest gap between acknowledged writes from the last acknowledgement before the kill
//     until BENCH_HA_AFTER writes were acknowledged after it; BENCH_HA_TRIALS trials, p50/p99. The
//     killed server is restarted on its data dir (it resumes its member) between trials, and every
//     acknowledged write is read back at the end (a lost write fails the bench). Baseline: the
//     same loop's write latency p99 without a kill.
//  3. Snapshot save (online, `gifee snapshot save`) and restore of BENCH_HA_OBJECTS ConfigMaps:
//     SQLite (`gifee snapshot restore`, server stopped; then the server's start to /readyz) and
//     managed etcd (`gifee server --cluster-reset --restore FILE` into an empty data dir, to
//     /readyz: restore and start together). Baseline: copying the snapshot file (copy + fsync),
//     the floor for anything that reads and rewrites that many bytes.
//
// BENCH_QUICK=1 node dist/bench/ha.js   (500 pods, 3 trials, 2,000 objects)
// BENCH_HA_PODS, BENCH_HA_TRIALS, BENCH_HA_OBJECTS (BENCH_HA_ETCD_OBJECTS for etcd alone) override.
// BENCH_HA_ETCD_CALL_TIMEOUT (a duration, e.g. 2s) is passed to the three servers as --etcd-call-timeout.
// node dist/bench/ha.js                 (3,000 pods, 10 trials, 100,000 objects)

import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, freePort, repoRoot, startCluster, type Cluster } from '../test/helpers/cluster.js';
import { until } from '../test/helpers/wait.js';
import { copyMs, countConfigMaps, mib, savedPath, timed } from './snapshot-figures.js';
import { drive, percentile, report } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const num = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));
const PODS = num('BENCH_HA_PODS', 3000, 500);
const TRIALS = num('BENCH_HA_TRIALS', 10, 3);
const BEFORE = num('BENCH_HA_BEFORE', 20, 20);
const AFTER = num('BENCH_HA_AFTER', 20, 20);
const OBJECTS = num('BENCH_HA_OBJECTS', 100_000, 2000);
const ETCD_OBJECTS = Number(process.env.BENCH_HA_ETCD_OBJECTS ?? OBJECTS);
const CLIENTS = 16;
const CALL_TIMEOUT = process.env.BENCH_HA_ETCD_CALL_TIMEOUT ? ['--etcd-call-timeout', process.env.BENCH_HA_ETCD_CALL_TIMEOUT] : [];
const FILL_CLIENTS = 32;

const env = { GIFEE_LOG: 'warn' };
const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) =>
    execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 900_000, maxBuffer: 16 << 20, env: { ...process.env, ...env } }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })),
  );
const ok = async (args: string[]) => {
  const r = await gifee(args);
  if (r.code !== 0) throw new Error(`gifee ${args.join(' ')} exited ${r.code}: ${r.err}${r.out}`);
  return r.out;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => (ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const load = () => loadavg()[0].toFixed(1);

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'registry.local/bench:1' }] } });

async function createPods(targets: Cluster[], prefix: string): Promise<number> {
  const { perSec } = await drive(PODS, CLIENTS, async (i) => {
    const r = await targets[i % targets.length].request('POST', '/api/v1/namespaces/default/pods', pod(`${prefix}-${i}`));
    if (r.status !== 201) throw new Error(`pod create: ${r.status} ${r.body}`);
  });
  return perSec;
}

/** BENCH_HA_OBJECTS small ConfigMaps in namespace `fill`; returns creates/s. */
async function fill(targets: Cluster[], objects: number): Promise<number> {
  const ns = await targets[0].request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fill' } });
  if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${ns.body}`);
  const { perSec } = await drive(objects, FILL_CLIENTS, async (i) => {
    for (let attempt = 0; ; attempt++) {
      const r = await targets[i % targets.length].request('POST', '/api/v1/namespaces/fill/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o-${i}` }, data: { n: String(i) } });
      if (r.status === 201) return;
      if (r.status !== 429 || attempt > 20) throw new Error(`configmap create: ${r.status} ${r.body}`);
      await sleep(200);
    }
  });
  return perSec;
}

// ---- SQLite: creates, then snapshot save/restore ----
const root = await mkdtemp(join(tmpdir(), 'gifee-bench-ha-'));
let sqliteRate = 0;
try {
  {
    const dataDir = join(root, 'sqlite');
    let c = await startCluster({ dataDir, env, extraArgs: ['--snapshot-schedule', 'off'] });
    try {
      sqliteRate = await createPods([c], 'p');
      console.log(`bench ha: SQLite server ${sqliteRate.toFixed(0)} pod creates/s (${PODS}, ${CLIENTS} clients; load ${load()})`);
      const fillRate = await fill([c], OBJECTS);
      const [out, saveMs] = await timed(() => ok(['snapshot', 'save', '--data-dir', dataDir, '--name', 'bench']));
      const file = savedPath(out);
      const size = (await stat(file)).size;
      await c.stop();
      const [, restoreMs] = await timed(() => ok(['snapshot', 'restore', file, '--data-dir', dataDir]));
      const copy = await copyMs(file);
      const [, cliMs] = await timed(() => ok(['version']));
      let startMs: number;
      [c, startMs] = await timed(() => startCluster({ dataDir, env, extraArgs: ['--snapshot-schedule', 'off'] }));
      const n = await countConfigMaps(c);
      if (n !== OBJECTS) throw new Error(`SQLite restore: ${n} ConfigMaps, want ${OBJECTS}`);
      report(
        'ha snapshot sqlite',
        `${OBJECTS} ConfigMaps (snapshot ${mib(size)}): save ${s(saveMs)} (online), restore ${s(restoreMs)} (server stopped; both include the CLI's own start, \`gifee version\` ${s(cliMs)}; then start to /readyz ${s(startMs)}); written through the API at ${fillRate.toFixed(0)}/s (${s((OBJECTS / fillRate) * 1000)}); load ${load()}`,
        `copy + fsync of the snapshot file ${s(copy)}`,
        restoreMs / copy,
        `save/copy ${(saveMs / copy).toFixed(1)}`,
      );
    } finally {
      await c.stop();
    }
  }

  // ---- three managed-etcd servers ----
  interface Server {
    c: Cluster;
    clientPort: number;
    dead: boolean;
  }
  const servers: Server[] = [];
  const stopAll = async () => {
    for (const x of [...servers].reverse()) if (!x.dead) await x.c.stop().catch(() => {});
    servers.length = 0;
  };
  try {
    const ports = (await Promise.all([freePort(), freePort(), freePort()])).sort((a, b) => a - b);
    for (const port of ports) {
      const clientPort = await freePort();
      const how = servers.length ? ['--server', servers[0].c.url, '--token-file', join(servers[0].c.dataDir, 'server-token')] : ['--cluster-init'];
      const c = await startCluster({ port, env, extraArgs: [...how, '--etcd-client-port', String(clientPort), '--etcd-peer-port', String(await freePort()), '--snapshot-schedule', 'off', ...CALL_TIMEOUT] });
      servers.push({ c, clientPort, dead: false });
    }
    const members = async (x: Server) => JSON.parse(await ok(['etcd', 'members', '--data-dir', x.c.dataDir, '-o', 'json'])).items as { name: string; clientURLs: string[]; role: string; leader: boolean }[];
    await until('three voters with a leader', async () => {
      const m = await members(servers[2]);
      return m.length === 3 && m.every((x) => x.role === 'voter') && m.some((x) => x.leader);
    });

    const haRate = await createPods(
      servers.map((x) => x.c),
      'p',
    );
    report('ha creates', `${haRate.toFixed(0)} pod creates/s through three managed-etcd servers (${PODS} pods, ${CLIENTS} clients round-robin over the servers; load ${load()})`, `one SQLite server in the same run: ${sqliteRate.toFixed(0)}/s`, haRate / sqliteRate);

    // ---- kill -9 of the etcd leader's server under a write loop ----
    const acknowledged: string[] = [];
    const latencies: number[] = [];
    /** Failed writes by what the client saw: an HTTP status, 'error' (connection) or 'timeout' (10 s). */
    const failed = new Map<string, number>();
    const failure = (why: string) => failed.set(why, (failed.get(why) ?? 0) + 1);
    let seq = 0;
    /** One write after another over the live servers until `done()`: acknowledgement times (ms since epoch, performance clock). */
    const writeLoop = async (done: (acks: number[]) => boolean, trackLatency: boolean): Promise<number[]> => {
      const acks: number[] = [];
      for (let attempts = 0; !done(acks); attempts++) {
        if (attempts > 5000) throw new Error(`write loop: ${attempts} attempts, ${acks.length} acknowledged`);
        const live = servers.filter((x) => !x.dead);
        const name = `w-${seq++}`;
        const t = performance.now();
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const once = (ok: boolean, why: string) => {
          if (settled) return false;
          settled = true;
          if (!ok) failure(why);
          return ok;
        };
        const res = await Promise.race([
          live[seq % live.length].c
            .request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: name } })
            .then((r) => once(r.status === 201, String(r.status)))
            .catch(() => once(false, 'error')),
          new Promise<false>((r) => (timer = setTimeout(() => r(once(false, 'timeout') as false), 10_000))),
        ]);
        clearTimeout(timer);
        if (res) {
          const now = performance.now();
          acks.push(now);
          acknowledged.push(name);
          if (trackLatency) latencies.push(now - t);
        } else await sleep(20);
      }
      return acks;
    };

    // Baseline: the loop without a kill.
    await writeLoop((a) => a.length >= TRIALS * (BEFORE + AFTER), true);

    const gaps: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const leader = (await members(servers.find((x) => !x.dead)!)).find((m) => m.leader);
      const victim = servers.find((x) => leader?.clientURLs.includes(`https://127.0.0.1:${x.clientPort}`));
      if (!leader || !victim) throw new Error(`no leader among the servers: ${JSON.stringify(leader)}`);
      const etcdPid = Number((await readFile(join(victim.c.dataDir, 'etcd', 'etcd.pid'), 'utf8')).trim());
      let killedAt = Number.POSITIVE_INFINITY;
      const loop = writeLoop((a) => a.filter((t) => t > killedAt).length >= AFTER, false);
      const before = acknowledged.length;
      await until('writes before the kill', async () => acknowledged.length >= before + BEFORE, { intervalMs: 10 });
      killedAt = performance.now();
      process.kill(victim.c.pid, 'SIGKILL');
      victim.dead = true;
      const acks = await loop;
      const last = acks.filter((t) => t <= killedAt).at(-1) ?? killedAt;
      const after = acks.filter((t) => t > killedAt);
      const gap = Math.max(after[0] - last, ...after.slice(1).map((t, i) => t - after[i]));
      gaps.push(gap);
      console.log(`bench ha: trial ${trial + 1}/${TRIALS}: killed ${leader.name} (port ${new URL(victim.c.url).port}); longest gap between acknowledged writes ${gap.toFixed(0)} ms; load ${load()}`);
      // Re-form: the killed server comes back on its data dir and resumes its member.
      await until("the killed server's etcd to die with it", async () => !alive(etcdPid), { timeoutMs: 15_000, intervalMs: 50 });
      await victim.c.restart();
      victim.dead = false;
      await until('three voters with a leader again', async () => {
        const m = await members(victim);
        return m.length === 3 && m.every((x) => x.role === 'voter') && m.some((x) => x.leader);
      });
    }

    // Every acknowledged write is there.
    const names = new Set<string>();
    let cont = '';
    do {
      const r = await servers[0].c.request('GET', `/api/v1/namespaces/default/configmaps?limit=2000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      for (const o of r.json.items) names.add(o.metadata.name);
      cont = r.json.metadata.continue ?? '';
    } while (cont);
    const failures = seq - acknowledged.length;
    const lost = acknowledged.filter((n) => !names.has(n));
    const g = [...gaps].sort((a, b) => a - b);
    const lat = [...latencies].sort((a, b) => a - b);
    report(
      'ha kill',
      `write unavailability when the etcd leader's server is killed -9: p50 ${s(percentile(g, 50))}, p99 ${s(percentile(g, 99))} (max ${s(g.at(-1)!)}) over ${TRIALS} trials (goal p99 < 5 s); ${failures} writes failed or timed out in all (${[...failed].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}); ${lost.length} of ${acknowledged.length} acknowledged writes lost`,
      `write latency without a kill p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms (${lat.length} writes)`,
      percentile(g, 99) / percentile(lat, 99),
    );
    if (lost.length) throw new Error(`acknowledged writes lost: ${lost.slice(0, 20).join(', ')}`);

    // ---- etcd snapshot of BENCH_HA_OBJECTS, restored into an empty data dir ----
    const fillRate = await fill(
      servers.map((x) => x.c),
      ETCD_OBJECTS,
    );
    const first = servers[0].c.dataDir;
    const [out, saveMs] = await timed(() => ok(['snapshot', 'save', '--data-dir', first, '--name', 'bench']));
    const file = join(root, 'etcd.gifee-snapshot');
    await copyFile(savedPath(out), file);
    const size = (await stat(file)).size;
    await stopAll();
    const copy = await copyMs(file);
    const restoreDir = join(root, 'restored');
    const etcdPorts = ['--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())];
    const [c, restoreMs] = await timed(() => startCluster({ dataDir: restoreDir, env, extraArgs: ['--cluster-reset', '--restore', file, ...etcdPorts, '--snapshot-schedule', 'off'] }));
    try {
      const n = await countConfigMaps(c);
      if (n !== ETCD_OBJECTS) throw new Error(`etcd restore: ${n} ConfigMaps, want ${ETCD_OBJECTS}`);
    } finally {
      await c.stop();
    }
    report(
      'ha snapshot etcd',
      `${ETCD_OBJECTS} ConfigMaps (snapshot ${mib(size)}): save ${s(saveMs)} (online, three-member cluster), \`--cluster-reset --restore\` into an empty data dir to /readyz ${s(restoreMs)} (etcdctl snapshot restore, etcd and server start); written through the three servers at ${fillRate.toFixed(0)}/s; load ${load()}`,
      `copy + fsync of the snapshot file ${s(copy)}`,
      restoreMs / copy,
      `save/copy ${(saveMs / copy).toFixed(1)}`,
    );
  } finally {
    await stopAll();
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
