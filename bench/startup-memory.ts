// Start-up time of `gifee server` to /readyz (fresh data dir, so PKI generation included, and a
// restart on an existing one) and its idle RSS, against a bare Node.js HTTPS server measured in the
// same run (the floor any Node.js server pays).

import { spawn } from 'node:child_process';
import { startCluster } from '../test/helpers/cluster.js';
import { ms, processTree, report, rssBytes, treeRssBytes } from './stats.js';

/** A bare Node.js HTTPS server with a throwaway self-signed cert; time to listening and RSS. */
async function bareNode(): Promise<{ startMs: number; rss: number }> {
  const code = `const https=require('https');
const s=https.createServer({},(q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>process.stdout.write('up\\n'));`;
  const t = performance.now();
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => p.stdout!.once('data', () => r()));
  const startMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssBytes(p.pid!);
  p.kill();
  return { startMs, rss };
}

const base = await bareNode();
const t0 = performance.now();
const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
const fresh = performance.now() - t0;
await new Promise((r) => setTimeout(r, 3000));
const rss = rssBytes(c.pid);
const tree = processTree(c.pid);
const total = treeRssBytes(c.pid);
await c.stop();
report('startup', `${ms(fresh)} to /readyz on a fresh data dir (spawn, PKI, store, server)`, `bare Node.js HTTPS server listening in ${ms(base.startMs)}`, fresh / base.startMs);
report('idle-rss', `${(rss / 1048576).toFixed(1)} MiB idle RSS of the gifee server process`, `${(base.rss / 1048576).toFixed(1)} MiB bare Node.js HTTPS server`, rss / base.rss);
report('idle-rss-total', `${(total / 1048576).toFixed(1)} MiB idle RSS of gifee server with its ${tree.length - 1} component process(es)`, `${(base.rss / 1048576).toFixed(1)} MiB bare Node.js HTTPS server`, total / base.rss);
