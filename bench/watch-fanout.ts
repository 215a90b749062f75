// Watch fan-out: time from a write to its delivery on 1,000 concurrent watches of a real
// `gifee server`, against the same write delivered to a single watch in the same run (ratio).

import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { ms, percentile, report } from './stats.js';

const WATCHES = Number(process.env.BENCH_WATCHES ?? 1000);
const WRITES = Number(process.env.BENCH_WRITES ?? 30);

async function credentials(c: Cluster) {
  const kc = parse(await readFile(c.kubeconfig, 'utf8'));
  return {
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'),
    key: Buffer.from(kc.users[0].user['client-key-data'], 'base64'),
  };
}

/** Opens n watches from `rv`; `arrived(name)` resolves when every watch has seen that object. */
async function openWatches(c: Cluster, n: number, rv: string) {
  const creds = await credentials(c);
  const agent = new https.Agent({ ...creds, keepAlive: true, maxSockets: n + 10 });
  const seen = new Map<string, { count: number; done: () => void; at: number }>();
  const reqs: ClientRequest[] = [];
  let open = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < n; i++) {
      const req = https.get(`${c.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, { agent }, (res) => {
        if (++open === n) resolve();
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          let j: number;
          while ((j = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, j));
            buf = buf.slice(j + 1);
            const w = seen.get(ev.object?.metadata?.name);
            if (w && ++w.count === n) {
              w.at = performance.now();
              w.done();
            }
          }
        });
      });
      req.on('error', (e) => ((e as any).code === 'ECONNRESET' ? undefined : reject(e)));
      reqs.push(req);
    }
  });
  return {
    expect(name: string) {
      let done!: () => void;
      const p = new Promise<void>((r) => (done = r));
      const entry = { count: 0, done, at: 0 };
      seen.set(name, entry);
      return p.then(() => entry.at);
    },
    close() {
      for (const r of reqs) r.destroy();
      agent.destroy();
    },
  };
}

async function measure(c: Cluster, n: number, tag: string) {
  const rv = (await c.request('GET', '/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion;
  const w = await openWatches(c, n, rv);
  const lat: number[] = [];
  try {
    for (let i = 0; i < WRITES; i++) {
      const name = `${tag}-${i}`;
      const arrived = w.expect(name);
      const t = performance.now();
      const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
      if (r.status !== 201) throw new Error(r.body);
      lat.push((await arrived) - t);
    }
  } finally {
    w.close();
  }
  return lat.sort((a, b) => a - b);
}

const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
try {
  const one = await measure(c, 1, 'one');
  const many = await measure(c, WATCHES, 'many');
  report('watch-fanout', `write-to-delivery on all ${WATCHES} watches p50 ${ms(percentile(many, 50))} p99 ${ms(percentile(many, 99))} (${WRITES} writes)`, `1 watch p50 ${ms(percentile(one, 50))} p99 ${ms(percentile(one, 99))}`, percentile(many, 50) / percentile(one, 50));
} finally {
  await c.stop();
}
