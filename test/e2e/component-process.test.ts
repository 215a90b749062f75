// The controller manager and the scheduler run in a process of their own, supervised by `gifee
// server`: its metrics still show on the server's /metrics, a kill -9 of it is repaired by a restart
// that catches up from the API by itself, and it never outlives the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until as waitUntil } from '../helpers/wait.js';
import { isProcessAlive } from '../../src/util/process-alive.js';

let c: Cluster;

/** Polls until fn returns a value that is not false/undefined, and returns it. */
async function until<T>(what: string, fn: () => Promise<T | false | undefined>, o: { timeoutMs: number }): Promise<T> {
  let got: T | undefined;
  await waitUntil(
    what,
    async () => {
      const v = await fn();
      if (v === false || v === undefined) return false;
      got = v;
      return true;
    },
    o,
  );
  return got as T;
}

before(async () => {
  c = await startCluster();
});

after(async () => {
  await c?.stop();
});

/** The pid of the server's component process, if it has one now. */
function componentsPid(): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-P', String(c.pid), '-f', '__components'], { encoding: 'utf8' }).trim();
    return out ? Number(out.split('\n')[0]) : undefined;
  } catch {
    return undefined;
  }
}

test("controllers and scheduler run in a child process whose metrics show on the server's /metrics", async () => {
  const pid = await until('the component process', async () => componentsPid(), { timeoutMs: 20_000 });
  assert.notEqual(pid, c.pid);
  const m = await until(
    'the manager to lead',
    async () => {
      const r = await c.request('GET', '/metrics');
      return /leader_election_master_status\{name="kube-system\/gifee-controller-manager"\} 1/.test(r.body) && r.body;
    },
    { timeoutMs: 20_000 },
  );
  // Families both processes have are told apart by a process label; each family is declared once.
  assert.match(m, /process_resident_memory_bytes\{process="controller-manager"\} \d+/);
  assert.equal(m.match(/^# TYPE process_resident_memory_bytes /gm)?.length, 1);
});

test('a component process killed with -9 is restarted and catches up by itself', async () => {
  const first = await until('the component process', async () => componentsPid(), { timeoutMs: 20_000 });
  process.kill(first, 'SIGKILL');
  await c.kubectl(['create', 'deployment', 'after-kill', '--image=gifee.local/busybox:1', '--replicas=2']);
  const second = await until(
    'a new component process',
    async () => {
      const p = componentsPid();
      return p !== undefined && p !== first && p;
    },
    { timeoutMs: 30_000 },
  );
  assert.ok(isProcessAlive(second));
  await until("the new Deployment's ReplicaSet and pods", async () => (await c.kubectl(['get', 'pods', '-l', 'app=after-kill', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length === 2, { timeoutMs: 60_000 });
  const m = await c.request('GET', '/metrics');
  assert.match(m.body, /gifee_component_restarts_total\{component="controller-manager"\} 1/);
});

test('the component process stops with the server', async () => {
  const pid = await until('the component process', async () => componentsPid(), { timeoutMs: 20_000 });
  await c.stop();
  await until('the component process to exit', async () => !isProcessAlive(pid), { timeoutMs: 10_000 });
});
