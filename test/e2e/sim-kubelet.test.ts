// Simulated nodes never send traffic off the machine, and their kubelet endpoint answers like kwok's.
// The whole cluster (server, a real node agent with its route controller and service proxy, the
// `gifee sim nodes` CLI, kubectl) runs inside a network namespace this test creates, whose default
// route is a dummy device: any attempt to reach an address that is neither loopback nor the real
// agent's own pod network goes through it and is counted (and dropped there; nothing leaves the
// machine even if a regression tries). Sockets are polled to name such an address, and the routing
// table must not change. With simulated nodes at 172.16.0.x (before), `kubectl logs` made the API
// server dial 172.16.0.x:10250 and this test failed; a self-check first proves the watch sees such
// an attempt.
//
// The test file runs itself a second time inside that namespace (GIFEE_SIM_CONFINED=1): Node cannot
// move a running process into another network namespace.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cliCommand, kubectlBinary, repoRoot, startCluster, type Cluster } from '../helpers/cluster.js';
import { createConfinedNetns, deleteNetns, OffBoxWatch } from '../helpers/offbox-watch.js';
import { until } from '../helpers/wait.js';
import { stopProcess } from '../helpers/stop-process.js';

const run = promisify(execFile);
const INNER = process.env.GIFEE_SIM_CONFINED === '1';
const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs Linux and root (a network namespace of its own)' : false;

if (!INNER) {
  describe('simulated nodes, confined to a network namespace', { skip }, () => {
    it('passes every check inside its own network namespace', { timeout: 260_000 }, async (t) => {
      const ns = `gfsk${process.pid}`;
      await createConfinedNetns(ns);
      try {
        const self = fileURLToPath(import.meta.url);
        const node = [process.execPath, ...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), '--test', '--test-reporter=spec', self];
        // A test run of its own (node:test refuses to nest one in this run's context).
        const env: NodeJS.ProcessEnv = { ...process.env, GIFEE_SIM_CONFINED: '1' };
        delete env.NODE_TEST_CONTEXT;
        const child = spawn('nsenter', [`--net=/var/run/netns/${ns}`, '--', ...node], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout!.on('data', (d) => (out += d));
        child.stderr!.on('data', (d) => (out += d));
        const kill = setTimeout(() => child.kill('SIGTERM'), 240_000);
        const code = await new Promise<number | null>((r) => child.once('exit', r));
        clearTimeout(kill);
        assert.equal(code, 0, `the confined run failed:\n${out.slice(-20_000)}`);
        assert.match(out, /(#|ℹ) pass [1-9]/);
        for (const line of out.split('\n').filter((l) => /^\s*✔/.test(l))) t.diagnostic(`confined: ${line.trim()}`);
      } finally {
        await deleteNetns(ns);
      }
    });
  });
} else {
  const pod = (name: string, node: string, containers = ['app']) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'sim-web' } },
      spec: { nodeName: node, containers: containers.map((c) => ({ name: c, image: `registry.local/${c}:1` })) },
    });

  /** kubectl that may fail, killed after a while (port-forward must fail, not wait). */
  const kubectl = (c: Cluster, args: string[], timeoutMs = 30_000, env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.once('exit', (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr });
      });
    });

  describe('simulated nodes never send traffic off the machine (confined run)', () => {
    let c: Cluster;
    let sim: ChildProcess | undefined;
    let simOut = '';
    const watch = new OffBoxWatch();
    let routesBefore = '';
    const routes = async () =>
      (await run('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout
        .split('\n')
        .filter((l) => l && !l.startsWith('local ') && !l.startsWith('broadcast '))
        .sort()
        .join('\n');

    before(async () => {
      // Self-check: an attempt to reach an off-box address is seen (the dummy device swallows it).
      const probe = new OffBoxWatch();
      await probe.start(10);
      const s = net.connect({ host: '198.51.100.1', port: 9 });
      s.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const seen = await probe.report();
      s.destroy();
      probe.stop();
      assert.ok(seen.packets > 0, 'the watch device counts an attempt to reach 198.51.100.1');
      assert.ok(seen.sockets.includes('tcp 198.51.100.1:9'), `the socket poll names it: ${seen.sockets.join(', ')}`);

      c = await startCluster({ agent: true });
      await watch.start();
      sim = spawn(process.execPath, [...cliCommand(), 'sim', 'nodes', '--count', '2', '--name-prefix', 'sk-', '--kubeconfig', c.kubeconfig, '--cleanup', '--lease-interval', '2s'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      sim.stdout!.on('data', (d) => (simOut += d));
      sim.stderr!.on('data', (d) => (simOut += d));
      await until('the sim CLI to run its nodes', async () => /2 simulated nodes running/.test(simOut), { timeoutMs: 30_000, context: () => simOut });
      await c.kubectl(['create', '-f', '-'], { input: pod('web-0', 'sk-0', ['app', 'sidecar']) });
      await c.kubectl(['create', '-f', '-'], { input: pod('web-1', 'sk-1') });
      await c.kubectl(['wait', '--for=condition=Ready', 'pod/web-0', 'pod/web-1', '--timeout=30s']);
      // The real agent's own networks (its pod bridge) are on this machine; what it routes from now on is checked.
      await watch.refreshAllowed();
      routesBefore = await routes();
    });

    after(async () => {
      watch.stop();
      await stopProcess(sim, 20_000, 'SIGINT');
      await c?.stop();
    });

    it('registers nodes whose only address is loopback, with the sim process as their kubelet endpoint', async () => {
      const node = JSON.parse((await c.kubectl(['get', 'node', 'sk-0', '-o', 'json'])).stdout);
      assert.deepEqual(
        node.status.addresses.map((a: { address: string }) => a.address),
        ['127.0.0.1', 'sk-0'],
      );
      assert.equal(node.metadata.labels['sim.gifee.dev/simulated'], 'true');
      const port = Number(/kubelet endpoint on 127\.0\.0\.1:(\d+)/.exec(simOut)?.[1]);
      assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, port);
      const p = JSON.parse((await c.kubectl(['get', 'pod', 'web-1', '-o', 'json'])).stdout);
      assert.match(p.status.podIP, /^198\.1[89]\./);
      assert.equal(p.status.hostIP, '127.0.0.1');
    });

    it('kubectl logs prints one synthetic line per container, honouring -c, --timestamps, --tail and --previous', async () => {
      const app = await c.kubectl(['logs', 'web-0', '-c', 'app']);
      assert.equal(app.stdout, 'gifee sim: container "app" (image registry.local/app:1) of pod default/web-0 runs on simulated node sk-0: no process runs, so this is its only log line\n');
      const sidecar = await c.kubectl(['logs', 'web-0', '-c', 'sidecar', '--timestamps']);
      assert.match(sidecar.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z gifee sim: container "sidecar" .* on simulated node sk-0: /);
      assert.equal((await c.kubectl(['logs', 'web-1', '--tail=0'])).stdout, '');
      assert.match((await c.kubectl(['logs', 'web-1', '--tail=5'])).stdout, /^gifee sim: container "app" of|^gifee sim: container "app" \(image/);
      const prev = await c.kubectl(['logs', 'web-1', '--previous'], { allowFail: true });
      assert.notEqual(prev.code, 0);
      assert.match(prev.stderr, /previous terminated container "app" in pod "web-1" not found/);
    });

    it('kubectl logs -f follows until the pod goes', async () => {
      await c.kubectl(['create', '-f', '-'], { input: pod('follow', 'sk-1') });
      await c.kubectl(['wait', '--for=condition=Ready', 'pod/follow', '--timeout=30s']);
      const p = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, 'logs', '-f', 'follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => p.once('exit', r));
      try {
        await until('the synthetic line', async () => out.includes('pod default/follow'), { timeoutMs: 15_000 });
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(p.exitCode, null, 'still following');
        await c.kubectl(['delete', 'pod', 'follow', '--wait=false']);
        const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
        assert.notEqual(code, 'timeout', 'the follow ends when the pod goes');
      } finally {
        p.kill('SIGKILL');
      }
    });

    it('kubectl exec and attach print why nothing runs and fail with exit code 126', async () => {
      const r = await kubectl(c, ['exec', 'web-0', '-c', 'app', '--', 'ls', '/']);
      assert.equal(r.code, 126, r.stderr);
      assert.match(r.stderr, /gifee sim: cannot exec in container "app" of pod default\/web-0: sk-0 is a simulated node \(gifee sim nodes\) and runs no processes/);
      assert.match(r.stderr, /command terminated with exit code 126/);
      const withStdin = await kubectl(c, ['exec', '-i', 'web-1', '--', 'sh']);
      assert.equal(withStdin.code, 126, withStdin.stderr);
      // Over SPDY too (kubectl before 1.30, and newer ones as a fallback).
      const spdy = await kubectl(c, ['exec', 'web-1', '--', 'true'], 30_000, { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' });
      assert.equal(spdy.code, 126, spdy.stderr);
      assert.match(spdy.stderr, /gifee sim: cannot exec in container "app" of pod default\/web-1/);
      const a = await kubectl(c, ['attach', 'web-1']);
      assert.notEqual(a.code, 0);
      assert.match(a.stdout + a.stderr, /gifee sim: cannot attach to container "app" of pod default\/web-1/);
    });

    it('kubectl port-forward is refused at once, with the reason', async () => {
      const r = await kubectl(c, ['port-forward', 'pod/web-1', ':8080'], 20_000);
      assert.notEqual(r.code, null, 'kubectl gave up by itself');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /gifee sim: cannot forward ports to pod default\/web-1: sk-1 is a simulated node/);
      const spdy = await kubectl(c, ['port-forward', 'pod/web-1', ':8080'], 20_000, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
      assert.notEqual(spdy.code, null, 'kubectl gave up by itself (SPDY)');
      assert.match(spdy.stderr, /gifee sim: cannot forward ports to pod default\/web-1/);
    });

    it("a Service of simulated pods gets no endpoint in a real node's proxy: connections are refused, not sent", async () => {
      await c.kubectl(['expose', 'pod', 'web-1', '--name', 'sim-svc', '--port', '80', '--selector', 'app=sim-web']);
      await until('the EndpointSlice lists the simulated pods', async () => (await c.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=sim-svc', '-o', 'jsonpath={.items[*].endpoints[*].addresses[0]}'])).stdout.includes('198.1'), { timeoutMs: 20_000 });
      const ip = (await c.kubectl(['get', 'svc', 'sim-svc', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
      await new Promise((r) => setTimeout(r, 1500)); // the proxy's sync
      const rules = (await run('nft', ['list', 'ruleset'])).stdout;
      assert.ok(rules.includes(ip), `the proxy programs the Service ${ip}`);
      assert.doesNotMatch(rules, /198\.1[89]\.\d+\.\d+/, 'no rule leads to a simulated pod');
      const refused = await new Promise<string>((resolve) => {
        const s = net.connect({ host: ip, port: 80 });
        s.once('connect', () => resolve('connected'));
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        setTimeout(() => resolve('timeout'), 5000);
      });
      assert.equal(refused, 'ECONNREFUSED');
    });

    it('a simulated node given a pod CIDR by hand is still not routed to by the real agent', async () => {
      await c.kubectl(['patch', 'node', 'sk-1', '--type=merge', '-p', JSON.stringify({ spec: { podCIDR: '10.99.7.0/24', podCIDRs: ['10.99.7.0/24'] } })]);
      await until('the agent to skip it', async () => /no route to node needed.*sk-1.*it is a simulated node/.test(c.logs()), { timeoutMs: 20_000, context: () => c.logs().slice(-3000) });
    });

    it('nothing tried to reach an address off this machine, and no route was added', async () => {
      // The route controller resyncs on Node changes: give it one more round with the sim nodes heartbeating.
      await new Promise((r) => setTimeout(r, 2000));
      const r = await watch.report();
      assert.deepEqual(r.sockets, [], 'sockets to addresses off this machine');
      assert.equal(r.packets, 0, 'packets sent towards an address off this machine');
      assert.equal(await routes(), routesBefore, 'the routing table changed');
      assert.doesNotMatch(await routes(), /\b(198\.1[89]|172\.(1[6-9]|2\d|3[01]))\.\d+\.\d+/);
    });
  });
}
