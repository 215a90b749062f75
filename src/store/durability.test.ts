// No acknowledged write is lost when the process holding the store (SQLite) or the etcd server
// itself is killed with SIGKILL mid-stream.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from './index.js';
import { etcdBinary, startEtcd } from '../../test/helpers/etcd.js';

const here = dirname(fileURLToPath(import.meta.url));
const writer = existsSync(join(here, 'durability-writer.js')) ? [join(here, 'durability-writer.js')] : ['--import', 'tsx', join(here, 'durability-writer.ts')];

/** Runs the writer until `acks` keys are acknowledged, kills it (or the etcd server) with SIGKILL, returns the acked keys. */
async function writeThenKill(backend: 'sqlite' | 'etcd', target: string, acks: number, killOther?: () => Promise<void>): Promise<string[]> {
  const child = spawn(process.execPath, [...writer, backend, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: string[] = [];
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', async (d) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        acked.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      if (acked.length >= acks) resolve();
    });
    child.once('exit', (code) => (acked.length >= acks ? resolve() : reject(new Error(`writer exited ${code}: ${err}`))));
  });
  if (killOther) await killOther();
  child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  return acked;
}

test('sqlite: every acknowledged write survives kill -9 of the process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-durable-'));
  try {
    const acked = await writeThenKill('sqlite', dir, 200);
    const store = await openStore({ backend: 'sqlite', dataDir: dir });
    const present = new Set((await store.list('/durable/')).items.map((i) => i.key));
    await store.close();
    const lost = acked.filter((k) => !present.has(k));
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('etcd: every acknowledged write survives kill -9 of the etcd server', { skip: existsSync(etcdBinary()) ? false : 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, async () => {
  const etcd = await startEtcd();
  try {
    const acked = await writeThenKill('etcd', etcd.endpoints.join(','), 200, () => etcd.kill9());
    await etcd.restart();
    const store = await openStore({ backend: 'etcd', etcdEndpoints: etcd.endpoints });
    const present = new Set((await store.list('/durable/')).items.map((i) => i.key));
    await store.close();
    const lost = acked.filter((k) => !present.has(k));
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
  } finally {
    await etcd.stop();
  }
});
