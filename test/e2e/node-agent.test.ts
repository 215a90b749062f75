// The node agent end to end, as a user sees it: a real `gifee server` with its embedded agent runs
// pods as runc containers on CNI networking, driven with kubectl: pod IPs, logs, exec, cp,
// port-forward, restarts and their reasons, probes, init containers, volumes, deletion leaving
// nothing behind, and an agent restart that keeps containers running.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { startCluster, kubectlBinary, freePort, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;

const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await k(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });

const phase = (pod: string) => jp(`pod ${pod}`, '{.status.phase}');
const running = (pod: string) => until(`${pod} Running`, async () => (await phase(pod)) === 'Running');

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 5000 }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      })
      .on('error', reject);
  });
}

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, env: { GIFEE_RESTART_BACKOFF_MS: '1000' } });
  // Pods here use host namespaces, hostPath, privileged and unsafe settings on purpose: the default
  // namespace opts out of Pod Security Admission's baseline enforcement (gifee's default).
  await c.kubectl(['label', 'ns', 'default', 'pod-security.kubernetes.io/enforce=privileged', 'pod-security.kubernetes.io/warn=privileged']);
  // Images go in while the agent runs, as `gifee images import` does: usable at once.
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  for (const f of [images.busybox, images.web1, images.web2]) await store.importFile(f);
  await until('node Ready with a pod CIDR', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));
});

after(async () => {
  if (c) await c.stop();
});

test('a node registers with capacity, addresses, a lease and a pod CIDR', { skip }, async () => {
  const node = JSON.parse((await k(['get', 'nodes', '-o', 'json'])).stdout).items[0];
  assert.ok(Number(node.status.capacity.cpu) >= 1);
  assert.match(node.status.capacity.memory, /Ki$/);
  assert.equal(node.status.addresses.find((a: any) => a.type === 'InternalIP').address, '127.0.0.1');
  assert.ok(node.status.daemonEndpoints.kubeletEndpoint.Port > 0);
  const lease = await k(['get', 'lease', '-n', 'kube-node-lease', node.metadata.name, '-o', 'jsonpath={.spec.holderIdentity}']);
  assert.equal(lease.stdout, node.metadata.name);
  // The agent (a process of its own) talks to the API as system:node:NAME, not as the administrator.
  const cert = readFileSync(join(c.dataDir, 'pki', `node-${node.metadata.name}-client.crt`), 'utf8');
  assert.match(new (await import('node:crypto')).X509Certificate(cert).subject, new RegExp(`CN=system:node:${node.metadata.name}`));
});

test('kubectl run: a real container with a pod IP that serves HTTP; logs, exec, cp, port-forward', { skip }, async () => {
  await k(['run', 'web', '--image=gifee.local/web:1', '--port=8080']);
  await running('web');
  const wide = (await k(['get', 'pod', 'web', '-o', 'wide'])).stdout;
  const ip = await jp('pod web', '{.status.podIP}');
  assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
  assert.ok(wide.includes(ip), wide);
  assert.equal((await httpGet(`http://${ip}:8080/`)).trim(), 'hello from gifee web');
  await until('web logs', async () => (await k(['logs', 'web'])).stdout.includes('response:200'));

  // exec: stdout, exit code, hostname and isolation.
  const ex = await k(['exec', 'web', '--', 'sh', '-c', 'echo "$(hostname) pid1=$(cat /proc/1/cmdline | tr "\\0" " ")"; exit 3'], { allowFail: true });
  assert.equal(ex.code, 3);
  assert.match(ex.stdout, /^web pid1=httpd -f -v -p 8080/);
  const stdin = await k(['exec', '-i', 'web', '--', 'sh', '-c', 'cat > /tmp/in; wc -c < /tmp/in'], { input: 'twelve bytes' });
  assert.equal(stdin.stdout.trim(), '12');

  // cp both ways (tar over exec).
  const dir = mkdtempSync(join(tmpdir(), 'gifee-cp-'));
  writeFileSync(join(dir, 'up.txt'), 'uploaded');
  await k(['cp', join(dir, 'up.txt'), 'web:/tmp/up.txt']);
  assert.equal((await k(['exec', 'web', '--', 'cat', '/tmp/up.txt'])).stdout, 'uploaded');
  await k(['cp', 'web:/www/index.html', join(dir, 'down.html')]);
  assert.equal(readFileSync(join(dir, 'down.html'), 'utf8').trim(), 'hello from gifee web');
  rmSync(dir, { recursive: true, force: true });

  // port-forward: two connections through one forward.
  const port = await freePort();
  const pf = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, 'port-forward', 'pod/web', `${port}:8080`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pfOut = '';
  pf.stdout.on('data', (d) => (pfOut += d));
  pf.stderr.on('data', (d) => (pfOut += d));
  try {
    await until('port-forward listening', async () => pfOut.includes('Forwarding from'), 20_000);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).trim(), 'hello from gifee web');
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).trim(), 'hello from gifee web');
    assert.equal(pf.exitCode, null, pfOut);
  } finally {
    pf.kill();
  }
});

test('logs -f follows a running container; --tail and --timestamps', { skip }, async () => {
  await k(['run', 'ticker', '--image=gifee.local/busybox:1', '--restart=Never', '--', 'sh', '-c', 'for i in 1 2 3 4 5 6; do echo line $i; sleep 0.5; done']);
  await until('ticker started', async () => ['Running', 'Succeeded'].includes(await phase('ticker')));
  const f = await k(['logs', '-f', 'ticker']);
  assert.deepEqual(f.stdout.trim().split('\n'), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  assert.equal((await k(['logs', 'ticker', '--tail=2'])).stdout, 'line 5\nline 6\n');
  assert.match((await k(['logs', 'ticker', '--timestamps', '--tail=1'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 6\n$/);
});

test('restarts are counted with their reasons: CrashLoopBackOff, Completed, Error, OOMKilled, ErrImagePull', { skip }, async () => {
  await k(['run', 'crash', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo dying; exit 2']);
  await k(['run', 'done', '--restart=Never', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'echo ok']);
  await k(['run', 'fail', '--restart=Never', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'exit 1']);
  await k(['run', 'nope', '--image=127.0.0.1:1/missing:1']);
  await k(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'oom' }, spec: { restartPolicy: 'Never', containers: [{ name: 'oom', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while true; do x=$x$x; done'], resources: { limits: { memory: '20Mi' } } }] } }),
  });
  await k(['run', 'badcmd', '--restart=Never', '--image=gifee.local/busybox:1', '--command', '--', '/no/such/binary']);

  await until('crash restarted twice', async () => Number(await jp('pod crash', '{.status.containerStatuses[0].restartCount}')) >= 2);
  await until('CrashLoopBackOff shown', async () => (await k(['get', 'pod', 'crash'])).stdout.includes('CrashLoopBackOff'));
  assert.equal((await k(['logs', 'crash', '--previous'])).stdout, 'dying\n');
  assert.equal(await jp('pod crash', '{.status.containerStatuses[0].lastState.terminated.exitCode}'), '2');

  await until('done Completed', async () => (await k(['get', 'pod', 'done'])).stdout.includes('Completed'));
  assert.equal(await phase('done'), 'Succeeded');
  await until('fail Error', async () => (await k(['get', 'pod', 'fail'])).stdout.includes('Error'));
  assert.equal(await phase('fail'), 'Failed');
  await until('oom OOMKilled', async () => (await jp('pod oom', '{.status.containerStatuses[0].state.terminated.reason}')) === 'OOMKilled');
  await until('nope ErrImagePull', async () => /ErrImagePull|ImagePullBackOff/.test((await k(['get', 'pod', 'nope'])).stdout));
  await until('badcmd StartError', async () => (await jp('pod badcmd', '{.status.containerStatuses[0].state.terminated.reason}')) === 'StartError');
  assert.match(await jp('pod badcmd', '{.status.containerStatuses[0].state.terminated.message}'), /no such file or directory/);
  const events = (await k(['describe', 'pod', 'nope'])).stdout;
  assert.match(events, /Failed to pull image "127.0.0.1:1\/missing:1"/);
});

test('probes: readiness gates Ready, a failing liveness probe restarts the container', { skip }, async () => {
  await k(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'ready-later' },
          spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'sleep 3; touch /tmp/ready; sleep 3600'], readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 } }], terminationGracePeriodSeconds: 1 },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'http-ready' },
          spec: { containers: [{ name: 'c', image: 'gifee.local/web:1', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 }, livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }], terminationGracePeriodSeconds: 1 },
        },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unlive' }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 } }], terminationGracePeriodSeconds: 1 } },
      ],
    }),
  });
  await running('ready-later');
  assert.equal(await jp('pod ready-later', '{.status.conditions[?(@.type=="Ready")].status}'), 'False');
  await k(['wait', '--for=condition=Ready', 'pod/ready-later', '--timeout=30s']);
  await k(['wait', '--for=condition=Ready', 'pod/http-ready', '--timeout=30s']);
  await until('unlive restarted by its liveness probe', async () => Number(await jp('pod unlive', '{.status.containerStatuses[0].restartCount}')) >= 1);
  assert.match((await k(['describe', 'pod', 'unlive'])).stdout, /Liveness probe failed/);
});

test('init containers run in order; emptyDir, configMap, secret and downwardAPI volumes; env from them', { skip }, async () => {
  await k(['create', 'configmap', 'settings', '--from-literal=greeting=hello']);
  await k(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
  await k(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vols', labels: { app: 'vols' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        initContainers: [
          { name: 'first', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'echo first >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
          { name: 'second', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'echo second >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        ],
        containers: [
          {
            name: 'main',
            image: 'gifee.local/busybox:1',
            command: ['sleep', '3600'],
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MESSAGE', value: '$(GREETING) from $(POD_NAME)' },
            ],
            volumeMounts: [
              { name: 'work', mountPath: '/work' },
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'sec', mountPath: '/etc/sec' },
              { name: 'info', mountPath: '/etc/info' },
              { name: 'mem', mountPath: '/mem' },
            ],
          },
        ],
        volumes: [
          { name: 'work', emptyDir: {} },
          { name: 'mem', emptyDir: { medium: 'Memory' } },
          { name: 'cfg', configMap: { name: 'settings' } },
          { name: 'sec', secret: { secretName: 'creds' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
    }),
  });
  await running('vols');
  const sh = async (cmd: string) => (await k(['exec', 'vols', '--', 'sh', '-c', cmd])).stdout;
  assert.equal(await sh('cat /work/order'), 'first\nsecond\n');
  assert.equal(await sh('cat /etc/cfg/greeting'), 'hello');
  assert.equal(await sh('cat /etc/sec/password'), 's3cret');
  assert.equal(await sh('cat /etc/info/labels'), 'app="vols"');
  assert.equal(await sh('echo "$MESSAGE/$PASSWORD"'), 'hello from vols/s3cret\n');
  assert.match(await sh('grep " /mem " /proc/mounts'), /tmpfs/);
  assert.equal(await jp('pod vols', '{.status.initContainerStatuses[*].state.terminated.reason}'), 'Completed Completed');
});

test('a missing configMap or unknown volume source keeps the pod waiting with a clear event; other pods run', { skip }, async () => {
  await k(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nocm' }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }], volumes: [{ name: 'v', configMap: { name: 'absent' } }] } }),
  });
  await until('FailedMount event', async () => /FailedMount.*configmap "absent" not found/.test((await k(['describe', 'pod', 'nocm'])).stdout));
  assert.equal(await phase('nocm'), 'Pending');
  assert.match((await k(['get', 'pod', 'nocm'])).stdout, /ContainerCreating/);
  await k(['create', 'configmap', 'absent', '--from-literal=a=b']);
  await running('nocm');
});

test('deleting a pod stops it gracefully and leaves no process, mount, cgroup or network namespace', { skip }, async () => {
  await k(['run', 'gone', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'trap "echo got TERM; exit 0" TERM; while true; do sleep 0.2; done']);
  await running('gone');
  const uid = await jp('pod gone', '{.metadata.uid}');
  assert.ok(existsSync(`/var/run/netns/gifee-${uid}`));
  await k(['delete', 'pod', 'gone', '--wait=true']);
  assert.equal(existsSync(`/var/run/netns/gifee-${uid}`), false, 'network namespace removed');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.equal(mounts.includes(uid.slice(0, 8)), false, 'no mounts of the pod remain');
  assert.equal(existsSync(`/sys/fs/cgroup/memory/gifee/pod${uid}`), false, 'cgroup removed');
  const ps = execFileSync('ps', ['-eo', 'args']).toString();
  assert.equal(ps.includes('got TERM'), false);
});

test('an agent restart re-adopts running containers instead of restarting them', { skip }, async () => {
  await k(['run', 'survivor', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done']);
  await running('survivor');
  const id = await jp('pod survivor', '{.status.containerStatuses[0].containerID}');
  await c.restart();
  await until('node Ready again', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await jp('pod survivor', '{.status.containerStatuses[0].containerID}'), id);
  assert.equal(await jp('pod survivor', '{.status.containerStatuses[0].restartCount}'), '0');
  // Logs keep flowing into the same file after re-adoption (once the restarted agent, a process of
  // its own that starts after the API server is ready, has the pod again).
  let before = 0;
  await until('logs through the restarted agent', async () => (before = (await k(['logs', 'survivor'])).stdout.trim().split('\n').length) > 0, 15_000);
  await until('more log lines after the restart', async () => (await k(['logs', 'survivor'])).stdout.trim().split('\n').length > before + 2, 15_000);
});

test('pods get the default not-ready/unreachable tolerations of 300s unless they state their own', { skip }, async () => {
  await k(['run', 'tolerant', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
  const t = JSON.parse(await jp('pod tolerant', '{.spec.tolerations}'));
  assert.deepEqual(t.map((x: any) => `${x.key}:${x.effect}:${x.tolerationSeconds}`).sort(), ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);
  await k(['delete', 'pod', 'tolerant', '--grace-period=0', '--force'], { allowFail: true });
});

test("kubectl run -i attaches to the container's stdin and stdout; exec -it gets a terminal", { skip }, async () => {
  const r = await k(['run', 'att', '-i', '--rm', '--restart=Never', '--image=gifee.local/busybox:1', '--', 'sh', '-c', 'read x; echo got $x'], { input: 'world\n' });
  assert.match(r.stdout, /got world/);
  await k(['run', 'term', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
  await running('term');
  // kubectl only asks for a TTY from a terminal: script(1) gives it one.
  const out = await new Promise<string>((resolve) => {
    const p = spawn('script', ['-qfec', `${kubectlBinary} --kubeconfig ${c.kubeconfig} exec -it term -- sh -c 'tty; exit 4'`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let o = '';
    p.stdout.on('data', (d) => (o += d));
    p.on('exit', () => resolve(o));
    setTimeout(() => p.kill(), 30_000);
  });
  assert.match(out, /\/dev\/pts\/\d+/);
  assert.match(out, /exit code 4/);
});

test("pods resolve through the node's cluster DNS on their gateway", { skip }, async () => {
  await k(['run', 'resolver', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
  await running('resolver');
  const cidr = await jp('nodes', '{.items[0].spec.podCIDR}');
  const gateway = cidr.replace(/\.0\/\d+$/, '.1');
  const conf = (await k(['exec', 'resolver', '--', 'cat', '/etc/resolv.conf'])).stdout;
  assert.match(conf, new RegExp(`nameserver ${gateway.replace(/\./g, '\\.')}`));
  assert.match(conf, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
  // A pod's own name under <ip-dashed>.<ns>.pod answers from the cluster DNS, not from outside.
  const ip = await jp('pod resolver', '{.status.podIP}');
  // The DNS server learns pods from its informer: the new pod may take a moment to appear.
  await until(
    'the pod name resolves',
    async () => {
      const out = (await k(['exec', 'resolver', '--', 'nslookup', `${ip.replace(/\./g, '-')}.default.pod.cluster.local`], { allowFail: true })).stdout;
      return new RegExp(`Address:\\s+${ip.replace(/\./g, '\\.')}`).test(out);
    },
    20_000,
  );
});

test('preStop hooks run before SIGTERM; startup probes hold liveness; hostPath and projected volumes; impossible limits fail clearly', { skip }, async () => {
  const host = mkdtempSync(join(tmpdir(), 'gifee-hostpath-'));
  await k(['create', 'configmap', 'proj', '--from-literal=color=blue']);
  await k(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'hooks', labels: { tier: 'x' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'c',
                image: 'gifee.local/busybox:1',
                command: ['sh', '-c', 'sleep 2; touch /tmp/started; while true; do sleep 0.2; done'],
                startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 30 },
                livenessProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1 },
                lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop-ran > /host/prestop'] } } },
                volumeMounts: [
                  { name: 'host', mountPath: '/host' },
                  { name: 'proj', mountPath: '/proj' },
                ],
              },
            ],
            volumes: [
              { name: 'host', hostPath: { path: host, type: 'Directory' } },
              { name: 'proj', projected: { sources: [{ configMap: { name: 'proj' } }, { downwardAPI: { items: [{ path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } }] } }] } },
            ],
          },
        },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tiny' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '5'], resources: { limits: { memory: '1' } } }] } },
      ],
    }),
  });
  await running('hooks');
  // The startup probe holds the liveness probe back while the app starts: no restart.
  await k(['wait', '--for=condition=Ready', 'pod/hooks', '--timeout=40s']);
  assert.equal(await jp('pod hooks', '{.status.containerStatuses[0].restartCount}'), '0');
  assert.equal((await k(['exec', 'hooks', '--', 'sh', '-c', 'cat /proj/color; echo; cat /proj/tier'])).stdout, 'blue\nx');
  await k(['delete', 'pod', 'hooks', '--wait=true']);
  assert.equal(readFileSync(join(host, 'prestop'), 'utf8'), 'prestop-ran\n');
  rmSync(host, { recursive: true, force: true });
  // A memory limit of one byte cannot hold a process: the container fails with the runtime's reason.
  await until('tiny fails', async () => ['Failed', 'Succeeded'].includes(await phase('tiny')) || /Error|OOMKilled|StartError/.test((await k(['get', 'pod', 'tiny'])).stdout));
  assert.notEqual(await phase('tiny'), 'Succeeded');
});
