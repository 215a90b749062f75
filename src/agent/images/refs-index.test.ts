import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, mkdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RefsIndex } from './refs-index.js';
import { LayerStore } from './layers.js';
import { logger } from '../../util/log.js';

const entry = (n: number) => ({ id: `sha256:${String(n).padStart(64, '0')}`, manifest: `sha256:${String(n).padStart(64, '1')}`, updated: new Date().toISOString() });

test('concurrent updates from separate index objects (separate processes) all land', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'gifee-refs-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const writers = Array.from({ length: 8 }, () => new RefsIndex(root));
  await Promise.all(
    writers.map((w, i) =>
      w.update((r) => {
        r[`registry.local/app:${i}`] = entry(i);
      }),
    ),
  );
  const reader = new RefsIndex(root);
  assert.equal(Object.keys(await reader.read()).length, 8);
  // No temporary or lock files left.
  assert.deepEqual((await readdir(root)).sort(), ['refs.json']);
  // A reader holding a cached copy sees another writer's change.
  await writers[0].update((r) => {
    delete r['registry.local/app:0'];
  });
  assert.equal((await reader.read())['registry.local/app:0'], undefined);
});

test('temporary layer directories of a crashed extraction are cleaned once old', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'gifee-layers-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const layers = new LayerStore(root, logger('test'));
  await mkdir(join(layers.dir, '.tmp-old'), { recursive: true });
  await mkdir(join(layers.dir, '.tmp-live'));
  const hourAgo = new Date(Date.now() - 2 * 3_600_000);
  await utimes(join(layers.dir, '.tmp-old'), hourAgo, hourAgo);
  await layers.cleanTemporaries();
  assert.deepEqual(await readdir(layers.dir), ['.tmp-live']);
  assert.equal(await layers.has(`sha256:${'0'.repeat(64)}`), false);
});
