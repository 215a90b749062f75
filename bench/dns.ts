// Cluster DNS: queries/s and p99 for a service name (A over UDP, C concurrent clients, each with one
// outstanding query) against the DNS server fed by a real `gifee server`, and its ratio to a trivial
// in-process UDP echo that answers each query with a canned reply of the same size, driven the same
// way in the same run (the floor set by Node's UDP sockets on this machine).
// BENCH_DNS_QUERIES (default 20000) and BENCH_DNS_CLIENTS (default 16) bound the run.

import dgram from 'node:dgram';
import * as packet from 'dns-packet';
import { startCluster } from '../test/helpers/cluster.js';
import { RestClient } from '../src/client/rest.js';
import { clientConfigFromKubeconfig } from '../src/client/kubeconfig.js';
import { logger } from '../src/util/log.js';
import { startDnsServer } from '../src/dns/server.js';
import { ms, percentile, report } from './stats.js';

const TOTAL = Number(process.env.BENCH_DNS_QUERIES ?? 20_000);
const CLIENTS = Number(process.env.BENCH_DNS_CLIENTS ?? 16);
const NAME = 'web.default.svc.cluster.local';

const queryFor = (id: number) => packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ name: NAME, type: 'A' }] });

/** Sends TOTAL queries from CLIENTS sockets, one in flight per socket; a lost reply is resent after 1s. */
async function drive(port: number, host = '127.0.0.1') {
  let next = 0;
  const lat: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<void>((resolve, reject) => {
          const sock = dgram.createSocket('udp4');
          let id = 0;
          let sent = 0;
          let timer: NodeJS.Timeout | undefined;
          const send = () => {
            if (next >= TOTAL) {
              sock.close();
              return resolve();
            }
            next++;
            id = (id + 1) & 0xffff;
            sent = performance.now();
            const q = queryFor(id);
            sock.send(q, port, host);
            clearTimeout(timer);
            timer = setTimeout(() => sock.send(q, port, host), 1000);
          };
          sock.on('error', reject);
          sock.on('message', (m) => {
            if (m.readUInt16BE(0) !== id) return;
            if ((m.readUInt16BE(2) & 0xf) !== 0) return reject(new Error(`rcode ${m.readUInt16BE(2) & 0xf}`));
            clearTimeout(timer);
            lat.push(performance.now() - sent);
            send();
          });
          sock.bind(0, host === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0', send);
        }),
    ),
  );
  const secs = (performance.now() - start) / 1000;
  return { perSec: TOTAL / secs, lat: lat.sort((a, b) => a - b) };
}

/** The baseline server: echoes each query's id into a canned reply of `size` bytes. */
async function echoServer(size: number) {
  const reply = Buffer.alloc(size);
  reply.writeUInt16BE(0x8180, 2);
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m, r) => {
    const out = Buffer.from(reply);
    m.copy(out, 0, 0, 2);
    sock.send(out, r.port, r.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

// Child mode: this file run inside a pod's network namespace drives the node's DNS from there.
if (process.env.BENCH_DNS_TARGET) {
  const [host, port] = process.env.BENCH_DNS_TARGET.split(':');
  const r = await drive(Number(port), host);
  process.stdout.write(JSON.stringify({ perSec: r.perSec, p50: percentile(r.lat, 50), p99: percentile(r.lat, 99) }) + '\n');
  process.exit(0);
}

let inProcess = 0;
const c = await startCluster({ extraArgs: ['--no-controllers'], env: { GIFEE_LOG: 'warn' } });
const client = new RestClient(await clientConfigFromKubeconfig(c.kubeconfig));
try {
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: '10.43.0.10', ports: [{ port: 80 }] } }) });
  const dns = await startDnsServer({ client, listen: { host: '127.0.0.1', port: 0 }, upstream: [], log: logger('bench-dns') });
  // One query to learn the reply size for the baseline (and to check the answer).
  const size = await new Promise<number>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => {
      s.close();
      resolve(m.length);
    });
    s.send(queryFor(1), dns.port, '127.0.0.1');
  });
  const echo = await echoServer(size);
  const base = await drive(echo.port);
  const served = await drive(dns.port);
  inProcess = served.perSec;
  await echo.close();
  await dns.stop();
  report(
    'dns',
    `${served.perSec.toFixed(0)} queries/s for ${NAME} A over UDP (${CLIENTS} clients, ${TOTAL} queries), p50 ${ms(percentile(served.lat, 50))} p99 ${ms(percentile(served.lat, 99))}`,
    `${base.perSec.toFixed(0)} replies/s from an in-process UDP echo of the same ${size}-byte reply (p50 ${ms(percentile(base.lat, 50))} p99 ${ms(percentile(base.lat, 99))})`,
    served.perSec / base.perSec,
  );
} finally {
  client.close();
  await c.stop();
}

/** From a pod: the same load from inside a real pod's network namespace to its node's DNS server on the gateway. */
async function fromPod() {
  if (process.getuid?.() !== 0) return console.log('bench dns-from-pod: skipped (needs root for runc pods)');
  const { testImages } = await import('../test/helpers/images.js');
  const { createImageStore } = await import('../src/agent/images/store.js');
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const images = await testImages();
  const pc = await startCluster({ agent: true, env: { GIFEE_LOG: 'warn' } });
  try {
    await createImageStore({ dataDir: pc.dataDir }).importFile(images.busybox);
    await pc.kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:8080']);
    await pc.kubectl(['run', 'dns-client', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
    await pc.kubectl(['wait', '--for=condition=Ready', 'pod/dns-client', '--timeout=60s']);
    const uid = (await pc.kubectl(['get', 'pod', 'dns-client', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const conf = (await pc.kubectl(['exec', 'dns-client', '--', 'cat', '/etc/resolv.conf'])).stdout;
    const server = /nameserver (\S+)/.exec(conf)![1];
    const child = spawn('nsenter', [`--net=/var/run/netns/gifee-${uid}`, process.execPath, fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_DNS_TARGET: `${server}:53` }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => child.once('exit', r));
    const r = JSON.parse(out) as { perSec: number; p50: number; p99: number };
    return r;
  } finally {
    await pc.stop();
  }
}

const pod = await fromPod();
if (pod) {
  report('dns-from-pod', `${pod.perSec.toFixed(0)} queries/s for ${NAME} A from inside a pod's network namespace to its node's DNS (${CLIENTS} clients, ${TOTAL} queries), p50 ${ms(pod.p50)} p99 ${ms(pod.p99)}`, `${inProcess.toFixed(0)} queries/s in-process over loopback (the figure above)`, pod.perSec / inProcess);
}
