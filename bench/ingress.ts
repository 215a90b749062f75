// Ingress data path: HTTP/1.1 keep-alive requests/s and p99 through gifee's ingress controller (its
// data plane in a process of its own, as in the agent, with a routing table compiled from an Ingress
// and an upstream index from an EndpointSlice), against Debian's nginx (/usr/sbin/nginx, one worker
// as the controller has one event loop, upstream keepalive, access log off as the controller's at
// GIFEE_LOG=warn) proxying to the same backend, and straight to the backend, in the same run. The
// backend is test/helpers/ingress-backend.js (a keep-alive Node server in its own process, not the
// bottleneck of a proxy). Load: C connections, one request in flight each, for D seconds per round;
// targets alternate over R rounds and the median round counts (a shared 2-core machine is noisy).
// BENCH_INGRESS_CONNECTIONS (32), BENCH_INGRESS_SECONDS (4), BENCH_INGRESS_ROUNDS (3).
// Each round also reads the CPU time (user + system, /proc) the target's processes spent per request:
// on a machine shared with other work the requests/s of each target follow the CPU the scheduler
// gives it; CPU per request depends less on that (though a starved process batches fewer requests
// per wake-up and pays more per request), and the ratio of nginx's to gifee's approaches the
// requests/s ratio both would reach with a core each. Before the rounds each target is warmed for
// BENCH_INGRESS_WARMUP seconds (3: Node's JIT needs more than nginx on a loaded machine).
// BENCH_INGRESS_PROF=DIR runs gifee's proxy under --cpu-prof, its profile written to DIR.
// Everything listens on 127.0.0.1 only.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSecureContext } from 'node:tls';
import { freePort } from '../test/helpers/cluster.js';
import { readFileSync } from 'node:fs';
import { percentile, processTree, report } from './stats.js';

const CONNECTIONS = Number(process.env.BENCH_INGRESS_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_INGRESS_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_INGRESS_ROUNDS ?? 3);
const NGINX = '/usr/sbin/nginx';
const HOST = 'shop.example';
const self = fileURLToPath(import.meta.url);
const backendScript = join(self, '..', '..', 'test', 'helpers', 'ingress-backend.js');

/** The child-process mode: gifee's proxy in front of the backend port, listening on PROXY_PORT. */
async function proxyMain(backendPort: number, port: number) {
  const { compileRoutes, CLASS_NAME, CONTROLLER_NAME } = await import('../src/agent/ingress/routing.js');
  const { UpstreamIndex } = await import('../src/agent/ingress/upstreams.js');
  const { startIngressProxy } = await import('../src/agent/ingress/proxy.js');
  const { selfSignedCertificate } = await import('../src/agent/ingress/tls.js');
  const { logger } = await import('../src/util/log.js');
  const ingress = { metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { ingressClassName: CLASS_NAME, rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } };
  const table = compileRoutes([ingress], [{ metadata: { name: CLASS_NAME }, spec: { controller: CONTROLLER_NAME } }]);
  const upstreams = UpstreamIndex.build(
    table.backends,
    [{ metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }],
    [{ metadata: { namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports: [{ port: backendPort }], endpoints: [{ addresses: ['127.0.0.1'] }] }],
  );
  const cert = await selfSignedCertificate();
  const log = logger('ingress');
  await startIngressProxy({ host: '127.0.0.1', httpPort: port, state: () => ({ table, upstreams }), contextFor: () => createSecureContext(cert), defaultCert: cert, accessLog: log.child({ part: 'ingress-access' }), log });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => process.exit(0)); // exits cleanly (a --cpu-prof run writes its profile)
}

function startProcess(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  p.stdout?.resume();
  return p;
}

async function waitForPort(port: number) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** C kept-alive connections, one GET in flight each, for `seconds`; responses framed by Content-Length. */
/** CPU seconds (user + system) a process and its descendants have used so far. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone
    }
  }
  return ticks / 100; // USER_HZ
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The target's CPU time per request, microseconds. */
  cpuUs: number;
}

async function measure(port: number, pid: number, seconds: number): Promise<Result> {
  const before = cpuSeconds(pid);
  const r = await load(port, seconds);
  const cpu = cpuSeconds(pid) - before;
  return { ...r, cpuUs: r.rps > 0 ? (cpu * 1e6) / (r.rps * seconds) : Number.NaN };
}

async function load(port: number, seconds: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const request = Buffer.from(`GET /item?id=1 HTTP/1.1\r\nHost: ${HOST}\r\nUser-Agent: gifee-bench\r\n\r\n`);
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.setNoDelay(true);
          let buf = Buffer.alloc(0);
          let sent = 0;
          const send = () => {
            if (performance.now() >= end) {
              s.destroy();
              return resolve();
            }
            sent = performance.now();
            s.write(request);
          };
          s.on('connect', send);
          s.on('data', (d: Buffer) => {
            buf = buf.length ? Buffer.concat([buf, d]) : Buffer.from(d);
            const head = buf.indexOf('\r\n\r\n');
            if (head < 0) return;
            const m = /content-length:\s*(\d+)/i.exec(buf.subarray(0, head).toString('latin1'));
            const total = head + 4 + (m ? Number(m[1]) : 0);
            if (buf.length < total) return;
            if (!buf.subarray(0, 12).toString('latin1').endsWith('200')) errors++;
            buf = buf.subarray(total);
            lat.push(performance.now() - sent);
            send();
          });
          s.on('error', () => {
            errors++;
            resolve();
          });
        }),
    ),
  );
  lat.sort((a, b) => a - b);
  return { rps: lat.length / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-bench-ingress-'));
  const procs: ChildProcess[] = [];
  try {
    const [backendPort, gifeePort, nginxPort] = [await freePort(), await freePort(), await freePort()];
    procs.push(startProcess(process.execPath, [backendScript], { PORT: String(backendPort), BIND: '127.0.0.1', POD_NAME: 'backend' }));
    const prof = process.env.BENCH_INGRESS_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_INGRESS_PROF}`] : [];
    procs.push(startProcess(process.execPath, [...prof, self, 'proxy', String(backendPort), String(gifeePort)], { GIFEE_LOG: process.env.GIFEE_LOG ?? 'warn' }));
    const targets: [string, number, number][] = [
      ['direct', backendPort, procs[0].pid ?? 0],
      ['gifee', gifeePort, procs[1].pid ?? 0],
    ];
    if (existsSync(NGINX)) {
      await writeFile(
        join(dir, 'nginx.conf'),
        `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nginxPort};
    server_name ${HOST};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_pass http://backend;
    }
  }
}
`,
      );
      procs.push(startProcess(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')]));
      targets.push(['nginx', nginxPort, procs[2].pid ?? 0]);
    } else console.error(`${NGINX} is missing (apt-get install nginx-light): no nginx baseline`);
    for (const [, port] of targets) await waitForPort(port);
    for (const [, port] of targets) await load(port, Number(process.env.BENCH_INGRESS_WARMUP ?? 3)); // warm-up: connections, JIT
    const results = new Map<string, Result[]>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, port, pid] of targets) {
        const res = await measure(port, pid, SECONDS);
        results.set(name, [...(results.get(name) ?? []), res]);
        console.error(`round ${r + 1} ${name}: ${Math.round(res.rps)} req/s, p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms, ${Math.round(res.cpuUs)} µs CPU/request, errors ${res.errors}`);
      }
    }
    const median = (name: string) => {
      const list = [...(results.get(name) ?? [])].sort((a, b) => a.rps - b.rps);
      return list[Math.floor(list.length / 2)];
    };
    const g = median('gifee');
    const d = median('direct');
    const n = results.has('nginx') ? median('nginx') : undefined;
    const fig = (x: Result) => `${Math.round(x.rps).toLocaleString('en')} req/s, p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms, ${Math.round(x.cpuUs)} µs CPU/request${x.errors ? `, ${x.errors} errors` : ''}`;
    const medianCpu = (name: string) => {
      const list = (results.get(name) ?? []).map((x) => x.cpuUs).sort((a, b) => a - b);
      return list[Math.floor(list.length / 2)];
    };
    if (n) {
      report('ingress-vs-nginx', `gifee ${fig(g)} (${CONNECTIONS} keep-alive connections)`, `nginx ${fig(n)}`, g.rps / n.rps, `goal >= 0.7; p99 ratio ${(g.p99 / n.p99).toFixed(2)}`);
      report('ingress-cpu-vs-nginx', `gifee ${Math.round(medianCpu('gifee'))} µs CPU/request`, `nginx ${Math.round(medianCpu('nginx'))} µs CPU/request`, medianCpu('nginx') / medianCpu('gifee'), 'nginx CPU over gifee CPU per request (median rounds): the requests/s ratio when each has a core');
    }
    report('ingress-vs-direct', `gifee ${fig(g)}`, `straight to the backend ${fig(d)}`, g.rps / d.rps);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'proxy') void proxyMain(Number(process.argv[3]), Number(process.argv[4]));
else
  void main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
