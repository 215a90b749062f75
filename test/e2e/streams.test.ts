// Pod streams end to end: real kubectl (1.32, and 1.27 for the SPDY protocols) -> gifee API server
// -> this test's agent stream server -> processes and files on this machine. Covers kubectl logs
// (history across a rotated file, -f until the container stops, --tail, --timestamps, --previous,
// --limit-bytes, a waiting container), exec (stdout, exit code, stdin), cp both ways, port-forward,
// and the API server's errors (no node, unknown container, container choice).
//
// Credentials as in a real cluster: the API server presents its kubelet client certificate (the admin
// one, signed by the cluster CA, which `gifee server` passes); the stream server trusts the cluster CA
// from the data dir and serves with a certificate that CA issues. The API server does not verify the
// agent's serving certificate (kubelets default to self-signed ones).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, appendFile, readFile, mkdir } from 'node:fs/promises';
import { tmpdir, constants } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { startCluster, freePort, olderKubectl, kubectlBinary, type Cluster } from '../helpers/cluster.js';
import { issueCert, KUBELET_CLIENT_USER } from '../../src/cli/pki.js';
import { startStreamServer, type StreamServer } from '../../src/agent/streams/server.js';
import { StreamAuth } from '../../src/agent/streams/auth.js';
import { StreamTargetError, type ExecOptions, type ExecSession, type LogFiles, type StreamTarget } from '../../src/agent/streams/target.js';
import { logger } from '../../src/util/log.js';

// A StreamTarget that STANDS IN for the node agent's container runtime (which lands separately):
// "containers" are host processes spawned in a per-pod directory, logs are CRI-format files the test
// writes, port-forward dials 127.0.0.1 (the test's echo server). The protocol code under test is real.

interface TestContainerLogs {
  current: string;
  rotated: string[];
  previous?: string;
  running: boolean;
  stopped: Promise<void>;
}

class ProcessTarget implements StreamTarget {
  /** Containers by "namespace/pod/container"; a string value is the reason it is waiting. */
  containers = new Map<string, TestContainerLogs | string>();
  /** Ports "in the pod" that accept connections (dialed on 127.0.0.1). */
  openPorts = new Set<number>();
  execs: ExecSession[] = [];

  constructor(private podRoot: string) {}

  private container(ns: string, pod: string, c: string): TestContainerLogs {
    const v = this.containers.get(`${ns}/${pod}/${c}`);
    if (v === undefined) throw new StreamTargetError(404, `container "${c}" not found in pod "${pod}"`);
    if (typeof v === 'string') throw new StreamTargetError(400, `container "${c}" in pod "${pod}" is waiting to start: ${v}`);
    return v;
  }

  async logs(ns: string, pod: string, c: string, previous: boolean): Promise<LogFiles> {
    const l = this.container(ns, pod, c);
    if (previous) {
      if (!l.previous) throw new StreamTargetError(400, `previous terminated container "${c}" in pod "${pod}" not found`);
      return { files: [l.previous], running: false, stopped: Promise.resolve() };
    }
    return { files: [l.current, ...l.rotated], running: l.running, stopped: l.stopped };
  }

  async exec(ns: string, pod: string, c: string, command: string[], opts: ExecOptions): Promise<ExecSession> {
    this.container(ns, pod, c);
    const p = spawn(command[0], command.slice(1), { cwd: this.podRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<{ exitCode: number }>((resolve, reject) => {
      p.once('error', (e) => reject(new StreamTargetError(500, `failed to start ${command[0]}: ${e.message}`)));
      p.once('exit', (code, signal) => resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) }));
    });
    // A failed start surfaces on `exited`; the stdio streams close on their own.
    if (!opts.stdin) p.stdin.end();
    // Node discards a child's unread output when it exits; the protocol may attach later (SPDY waits
    // for the client's streams), so buffer it in our own streams.
    const stdout = p.stdout.pipe(new PassThrough());
    const stderr = p.stderr.pipe(new PassThrough());
    const s: ExecSession = { stdin: opts.stdin ? p.stdin : undefined, stdout, stderr: opts.tty ? undefined : stderr, resize: () => {}, exited, kill: () => p.kill('SIGKILL') };
    this.execs.push(s);
    return s;
  }

  async attach(): Promise<ExecSession> {
    throw new StreamTargetError(400, 'attach is not served by the test target');
  }

  async portForward(_ns: string, _pod: string, port: number): Promise<Duplex> {
    if (!this.openPorts.has(port)) throw new StreamTargetError(500, `dial tcp 127.0.0.1:${port}: connect: connection refused`);
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  }

  stopAll() {
    for (const e of this.execs) e.kill();
  }
}

const NS = 'default';
const POD = 'web';

/** One CRI log line. */
const cri = (t: Date, text: string, stream = 'stdout', tag = 'F') => `${t.toISOString().replace('Z', '123456Z')} ${stream} ${tag} ${text}\n`;

describe('pod streams', () => {
  let cluster: Cluster;
  let dir: string;
  let podRoot: string;
  let streams: StreamServer;
  let target: ProcessTarget;
  let echo: net.Server;
  let echoPort: number;
  let stopApp: () => void;
  /** When the log history starts. */
  const t0 = Math.floor((Date.now() - 60_000) / 1000) * 1000;
  const logDir = () => join(dir, 'logs');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gifee-streams-'));
    podRoot = join(dir, 'pod');
    await mkdir(podRoot);
    await mkdir(logDir());
    cluster = await startCluster();
    const ca = { cert: await readFile(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8'), key: await readFile(join(cluster.dataDir, 'pki', 'ca.key'), 'utf8') };
    const serving = await issueCert(ca, { commonName: 'system:node:node-1', usage: 'server', ips: ['127.0.0.1'] });

    target = new ProcessTarget(podRoot);
    await writeFile(join(logDir(), 'app.log.1'), cri(new Date(t0), 'line 1') + cri(new Date(t0 + 1000), 'line ', 'stdout', 'P') + cri(new Date(t0 + 1000), '2'));
    await writeFile(join(logDir(), 'app.log'), cri(new Date(t0 + 2000), 'line 3', 'stderr') + cri(new Date(t0 + 3000), 'line 4'));
    await writeFile(join(logDir(), 'app-previous.log'), cri(new Date(t0 - 5000), 'previous instance said goodbye'));
    const stopped = new Promise<void>((r) => (stopApp = r));
    target.containers.set(`${NS}/${POD}/app`, { current: join(logDir(), 'app.log'), rotated: [join(logDir(), 'app.log.1')], previous: join(logDir(), 'app-previous.log'), running: true, stopped });
    target.containers.set(`${NS}/${POD}/sidecar`, 'ContainerCreating');

    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
    target.openPorts.add(echoPort);

    streams = await startStreamServer({ host: '127.0.0.1', port: 0, tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, target, auth: new StreamAuth({ nodeName: 'node-1', certUsers: [KUBELET_CLIENT_USER] }), log: logger('test-agent-streams') });

    // The node and a pod bound to it, Running (kubectl port-forward insists).
    const node = await cluster.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    assert.equal(node.status, 201, node.body);
    const ns = await cluster.request('PATCH', '/api/v1/nodes/node-1/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: streams.port } } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(ns.status, 200, ns.body);
    const pod = await cluster.request('POST', `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: POD, annotations: { 'kubectl.kubernetes.io/default-container': 'app' } },
      spec: {
        nodeName: 'node-1',
        containers: [
          { name: 'app', image: 'busybox' },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    });
    assert.equal(pod.status, 201, pod.body);
    const ps = await cluster.request('PATCH', `/api/v1/namespaces/${NS}/pods/${POD}/status`, { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(ps.status, 200, ps.body);
    const unbound = await cluster.request('POST', `/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(unbound.status, 201, unbound.body);
  });

  after(async () => {
    target?.stopAll();
    await streams?.close();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('kubectl logs: history across rotated files, joined partial lines, default container from the annotation', async () => {
    const r = await cluster.kubectl(['logs', POD]);
    assert.equal(r.stdout, 'line 1\nline 2\nline 3\nline 4\n');
  });

  test('kubectl logs --tail, --timestamps, --previous, --limit-bytes, --since-time', async () => {
    assert.equal((await cluster.kubectl(['logs', POD, '-c', 'app', '--tail=2'])).stdout, 'line 3\nline 4\n');
    const ts = (await cluster.kubectl(['logs', POD, '--timestamps', '--tail=1'])).stdout;
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 4\n$/);
    assert.equal((await cluster.kubectl(['logs', POD, '--previous'])).stdout, 'previous instance said goodbye\n');
    assert.equal((await cluster.kubectl(['logs', POD, '--limit-bytes=9'])).stdout, 'line 1\nli');
    const since = new Date(t0 + 2000).toISOString();
    assert.equal((await cluster.kubectl(['logs', POD, `--since-time=${since}`])).stdout, 'line 3\nline 4\n');
  });

  test("kubectl logs of a container still waiting: the agent's 400 passes through", async () => {
    const r = await cluster.kubectl(['logs', POD, '-c', 'sidecar'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container "sidecar" in pod "web" is waiting to start: ContainerCreating/);
  });

  test('log flags spelled as the Python client does: follow=False returns at once, previous=FALSE reads the current log, timestamps=True adds them', async () => {
    const base = `/api/v1/namespaces/${NS}/pods/${POD}/log?container=app&tailLines=1`;
    // With follow read as true the answer would never end while the container runs.
    const plain = await withTimeout(cluster.request('GET', `${base}&follow=False&previous=FALSE&timestamps=False`), 10_000, 'follow=False followed');
    assert.equal(plain.status, 200, plain.body);
    assert.equal(plain.body, 'line 4\n');
    const stamped = await withTimeout(cluster.request('GET', `${base}&follow=0&timestamps=True`), 10_000, 'follow=0 followed');
    assert.match(stamped.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 4\n$/);
  });

  test('API server errors: no host assigned, unknown container, container must be chosen', async () => {
    const unbound = await cluster.request('GET', `/api/v1/namespaces/${NS}/pods/unbound/log`);
    assert.equal(unbound.status, 400);
    assert.equal(unbound.json.message, 'pod unbound does not have a host assigned');
    const bad = await cluster.request('GET', `/api/v1/namespaces/${NS}/pods/${POD}/log?container=nope`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, 'container nope is not valid for pod web');
    const missing = await cluster.request('GET', `/api/v1/namespaces/${NS}/pods/nosuch/log`);
    assert.equal(missing.status, 404);
    // The annotation chooses when the request names no container.
    const chosen = await cluster.request('GET', `/api/v1/namespaces/${NS}/pods/${POD}/log?tailLines=1`);
    assert.equal(chosen.status, 200);
    assert.equal(chosen.body, 'line 4\n');
  });

  test('kubectl exec: stdout, stderr and the exit code', async () => {
    const r = await cluster.kubectl(['exec', POD, '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], { allowFail: true });
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /oops/);
    assert.equal(r.code, 3);
    const ok = await cluster.kubectl(['exec', POD, '-c', 'app', '--', 'echo', 'fine']);
    assert.equal(ok.stdout, 'fine\n');
  });

  test('kubectl exec -i: stdin reaches the process and its end is seen', async () => {
    const r = await cluster.kubectl(['exec', '-i', POD, '--', 'sh', '-c', 'tr a-z A-Z; echo done'], { input: 'hello streams\n' });
    assert.equal(r.stdout, 'HELLO STREAMS\ndone\n');
  });

  test('kubectl cp into the pod and out of it', async () => {
    const local = join(dir, 'to-pod.txt');
    await writeFile(local, 'copied in\n'.repeat(5000));
    await cluster.kubectl(['cp', local, `${POD}:${join(podRoot, 'in.txt')}`]);
    assert.equal(await readFile(join(podRoot, 'in.txt'), 'utf8'), 'copied in\n'.repeat(5000));
    await writeFile(join(podRoot, 'out.txt'), 'copied out\n');
    const back = join(dir, 'from-pod.txt');
    await cluster.kubectl(['cp', `${POD}:${join(podRoot, 'out.txt')}`, back]);
    assert.equal(await readFile(back, 'utf8'), 'copied out\n');
  });

  test('kubectl port-forward: two connections echo through the pod port', async () => {
    await portForwardEcho(cluster, kubectlBinary, echoPort);
  });

  test('kubectl 1.27 (SPDY): exec with exit code and stdin, port-forward', async (t) => {
    const old = await olderKubectl('1.27');
    if (!old) return t.skip('kubectl.1.27 is not installed beside kubectl');
    const r = await cluster.kubectl(['exec', POD, '--', 'sh', '-c', 'echo old; exit 4'], { binary: old, allowFail: true });
    assert.equal(r.stdout, 'old\n', r.stderr);
    assert.equal(r.code, 4);
    const i = await cluster.kubectl(['exec', '-i', POD, '--', 'cat'], { binary: old, input: 'spdy stdin\n' });
    assert.equal(i.stdout, 'spdy stdin\n');
    await portForwardEcho(cluster, old, echoPort);
  });

  test('kubectl logs -f streams new lines and ends when the container stops', async () => {
    const p = spawn(kubectlBinary, ['--kubeconfig', cluster.kubeconfig, 'logs', '-f', POD, '--tail=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    try {
      await waitFor(
        () => out === 'line 4\n',
        () => `kubectl logs -f printed ${JSON.stringify(out)}`,
      );
      await appendFile(join(logDir(), 'app.log'), cri(new Date(), 'line 5'));
      await waitFor(
        () => out === 'line 4\nline 5\n',
        () => `kubectl logs -f printed ${JSON.stringify(out)}`,
      );
      await appendFile(join(logDir(), 'app.log'), cri(new Date(), 'last words'));
      stopApp();
      assert.equal(await withTimeout(exited, 10_000, 'kubectl logs -f did not end when the container stopped'), 0);
      assert.equal(out, 'line 4\nline 5\nlast words\n');
    } finally {
      p.kill();
    }
  });
});

/** Runs kubectl port-forward to the echo port and checks two connections echo. */
async function portForwardEcho(cluster: Cluster, binary: string, remotePort: number) {
  const local = await freePort();
  const p: ChildProcess = spawn(binary, ['--kubeconfig', cluster.kubeconfig, 'port-forward', `pod/${POD}`, `${local}:${remotePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  try {
    await waitFor(
      () => out.includes('Forwarding from 127.0.0.1'),
      () => `port-forward said: ${out}`,
    );
    for (const msg of ['ping one', 'ping two '.repeat(20_000)]) {
      const got = await new Promise<string>((resolve, reject) => {
        const s = net.connect(local, '127.0.0.1');
        let data = '';
        s.on('data', (d) => {
          data += d;
          if (data.length >= msg.length) {
            s.end();
            resolve(data);
          }
        });
        s.on('error', reject);
        s.write(msg);
        setTimeout(() => reject(new Error(`no echo through port-forward (got ${data.length} bytes); kubectl said: ${out}`)), 10_000).unref();
      });
      assert.equal(got, msg);
    }
  } finally {
    p.kill();
  }
}

async function waitFor(cond: () => boolean, what: () => string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref())]);
}
