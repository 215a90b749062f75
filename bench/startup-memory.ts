// Start-up time of `gifee server` to /readyz (fresh data dir, so PKI generation included, and a
// restart on an existing one) and its idle RSS, against a bare Node.js HTTPS server measured in the
// same run (the floor any Node.js server pays).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startCluster } from '../test/helpers/cluster.js';
import { ms, report } from './stats.js';

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** A bare Node.js HTTPS server with a throwaway self-signed cert; time to listening and RSS. */
async function bareNode(): Promise<{ startMs: number; rss: number }> {
  const code = `const https=require('https');
const s=https.createServer({},(q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>process.stdout.write('up\\n'));`;
  const t = performance.now();
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => p.stdout!.once('data', () => r()));
  const startMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssOf(p.pid!);
  p.kill();
  return { startMs, rss };
}

/** A process and its descendants (gifee server supervises its component processes). */
function treeOf(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...children(out[i]));
  return out;
}

const base = await bareNode();
const t0 = performance.now();
const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
const fresh = performance.now() - t0;
await new Promise((r) => setTimeout(r, 3000));
const rss = rssOf(c.pid);
const tree = treeOf(c.pid);
const total = tree.reduce((sum, p) => sum + rssOf(p), 0);
await c.stop();
report('startup', `${ms(fresh)} to /readyz on a fresh data dir (spawn, PKI, store, server)`, `bare Node.js HTTPS server listening in ${ms(base.startMs)}`, fresh / base.startMs);
report('idle-rss', `${(rss / 1048576).toFixed(1)} MiB idle RSS of the gifee server process`, `${(base.rss / 1048576).toFixed(1)} MiB bare Node.js HTTPS server`, rss / base.rss);
report('idle-rss-total', `${(total / 1048576).toFixed(1)} MiB idle RSS of gifee server with its ${tree.length - 1} component process(es)`, `${(base.rss / 1048576).toFixed(1)} MiB bare Node.js HTTPS server`, total / base.rss);
