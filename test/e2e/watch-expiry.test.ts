// Watches resume from a recent resourceVersion, and get 410 Expired (so clients relist) once the
// server has compacted past it. Uses a server that compacts every second (one interval of history
// stays: long enough to resume on a loaded machine, short enough to expire quickly).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startCluster, type Cluster } from '../helpers/cluster.js';

let c: Cluster;
before(async () => {
  c = await startCluster({ env: { GIFEE_COMPACTION_INTERVAL_MS: '1000', GIFEE_BOOKMARK_INTERVAL_MS: '200' } });
  const { parse } = await import('yaml');
  const { readFile } = await import('node:fs/promises');
  const kc = parse(await readFile(c.kubeconfig, 'utf8'));
  creds = {
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'),
    key: Buffer.from(kc.users[0].user['client-key-data'], 'base64'),
  };
});
after(async () => c?.stop());

/** Open a watch and collect lines for a while, or until `enough` says the lines suffice. */
function watchLines(path: string, ms: number, enough?: (lines: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const req = https.get(c.url + path, { ...agentOpts() }, (res) => {
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        if (enough?.(lines)) {
          req.destroy();
          resolve(lines);
        }
      });
      setTimeout(() => {
        req.destroy();
        resolve(lines);
      }, ms);
    });
    req.on('error', (e) => ((e as any).code === 'ECONNRESET' ? resolve(lines) : reject(e)));
  });
}

let creds: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
function agentOpts() {
  return creds!;
}

test('watch from a recent resourceVersion replays; after compaction it is 410 Expired', async () => {
  const first = await c.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1' } });
  const rv = first.json.metadata.resourceVersion;
  await c.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w2' } });
  const recent = await watchLines(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, 5000, (ls) => ls.some((l) => JSON.parse(l).object.metadata?.name === 'w2'));
  assert.ok(
    recent.some((l) => JSON.parse(l).object.metadata?.name === 'w2'),
    'replays w2 after w1',
  );
  // Keep writing so compaction moves past rv.
  for (let i = 0; i < 14; i++) {
    await c.request('PUT', '/api/v1/namespaces/default/configmaps/w2', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w2' }, data: { i: String(i) } });
    await new Promise((r) => setTimeout(r, 250));
  }
  const old = await watchLines(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, 500);
  const last = JSON.parse(old[old.length - 1]);
  assert.equal(last.type, 'ERROR');
  assert.equal(last.object.code, 410);
  assert.equal(last.object.reason, 'Expired');
});

test('bookmarks carry the current resourceVersion; sendInitialEvents ends with the initial-events-end bookmark', async () => {
  const lines = await watchLines('/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan', 700);
  const events = lines.map((l) => JSON.parse(l));
  const end = events.findIndex((e) => e.type === 'BOOKMARK' && e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true');
  assert.ok(end >= 0, 'initial-events-end bookmark');
  assert.ok(
    events.slice(0, end).every((e) => e.type === 'ADDED'),
    'initial ADDED events first',
  );
  assert.ok(
    events.slice(end + 1).some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) > 0),
    'periodic bookmark',
  );
});
