// Real-world manifests: every file in test/e2e/corpus/ (the Kubernetes docs' shapes, one file per
// area) is applied with a server-side dry run, then for real, then again unchanged, then deleted, with
// the real kubectl, as a user bringing an existing app would.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

const corpusDir = join(repoRoot, 'test', 'e2e', 'corpus');
const ns = 'corpus';

/** kubectl prints one "<kind>/<name> <verb>" line per object applied. */
const appliedLines = (stdout: string) => stdout.split('\n').filter((l) => l.trim() !== '');

describe('manifest corpus', () => {
  let cluster: Cluster;
  const k = (args: string[], o?: { allowFail?: boolean }) => cluster.kubectl(args, o);
  const files = readdirSync(corpusDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  before(async () => {
    cluster = await startCluster();
    await k(['create', 'namespace', ns]);
    // Pods are refused until the service account controller has made the namespace's default account.
    await until('the default service account of the corpus namespace', async () => (await k(['get', 'serviceaccount', 'default', '-n', ns], { allowFail: true })).code === 0);
  });
  after(async () => {
    await cluster?.stop();
  });

  /**
   * kind/name -> the object as a user wrote it (everything but status, resourceVersion and
   * managedFields): controllers write status between two applies, so the resourceVersion cannot
   * tell whether the apply itself wrote something.
   */
  const writeMarks = async (path: string) => {
    const r = await k(['get', '-n', ns, '-f', path, '-o', 'json'], { allowFail: true });
    const marks = new Map<string, string>();
    if (r.code !== 0) return marks;
    type Obj = { kind: string; status?: unknown; metadata: { name: string; resourceVersion?: string; managedFields?: unknown } };
    const out = JSON.parse(r.stdout) as Obj & { items?: Obj[] };
    for (const o of out.items ?? [out]) {
      const { status: _s, ...rest } = o;
      const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
      marks.set(`${o.kind.toLowerCase()}/${o.metadata.name}`, JSON.stringify({ ...rest, metadata: meta }));
    }
    return marks;
  };

  test('the corpus is not empty', () => {
    assert.ok(files.length > 0, `no manifests in ${corpusDir}`);
  });

  for (const file of files) {
    test(`${file}: server dry run, apply, apply again unchanged, delete`, async (t) => {
      const path = join(corpusDir, file);
      // Whatever happens, this file's objects must not outlive its test (a LimitRange left behind
      // would refuse the next file's pods).
      t.after(() => k(['delete', '-n', ns, '-f', path, '--wait=false', '--ignore-not-found'], { allowFail: true }));
      const dry = await k(['apply', '-n', ns, '--dry-run=server', '-f', path], { allowFail: true });
      assert.equal(dry.code, 0, `dry run of ${file} refused:\n${dry.stderr}`);
      for (const line of appliedLines(dry.stdout)) assert.match(line, /(created|configured|unchanged) \(server dry run\)$/, line);

      const first = await k(['apply', '-n', ns, '-f', path], { allowFail: true });
      assert.equal(first.code, 0, `apply of ${file} refused:\n${first.stderr}`);
      const objects = appliedLines(first.stdout);
      assert.equal(objects.length, appliedLines(dry.stdout).length, 'the dry run and the apply touch the same objects');

      const before = await writeMarks(path);
      const again = await k(['apply', '-n', ns, '-f', path], { allowFail: true });
      assert.equal(again.code, 0, `second apply of ${file} refused:\n${again.stderr}`);
      const after = await writeMarks(path);
      for (const line of appliedLines(again.stdout)) {
        if (/ unchanged$/.test(line)) continue;
        // kubectl says "configured" whenever its patch is not empty, also when the server turns it
        // into no change: a quantity not in canonical form ("0.5" stored as "500m") is re-sent on
        // every apply, in Kubernetes too (kubernetes/kubernetes#116135). What counts is that
        // nothing was written.
        const key = line.split(' ')[0].replace(/^([^/.]+)(\.[^/]*)?\//, '$1/');
        assert.match(line, / configured$/, line);
        assert.ok(before.has(key), `no object ${key} in ${file}`);
        assert.equal(after.get(key), before.get(key), `applying ${file} again changed an object: ${line}`);
      }

      const del = await k(['delete', '-n', ns, '-f', path, '--wait=false'], { allowFail: true });
      assert.equal(del.code, 0, `delete of ${file} failed:\n${del.stderr}`);
    });
  }
});
