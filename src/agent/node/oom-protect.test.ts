import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { protectFromOomKiller } from './oom-protect.js';
import type { Logger } from '../../util/log.js';

const recorder = () => {
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, child: () => log };
  return { log, warnings };
};

test('writes -999 and reads it back', async () => {
  const f = join(mkdtempSync(join(tmpdir(), 'oom-')), 'oom_score_adj');
  writeFileSync(f, '0');
  const { log, warnings } = recorder();
  assert.equal(await protectFromOomKiller(log, f), true);
  assert.equal(readFileSync(f, 'utf8'), '-999');
  assert.deepEqual(warnings, []);
});

test('a refused write is reported, not ignored', async () => {
  const { log, warnings } = recorder();
  assert.equal(await protectFromOomKiller(log, '/nonexistent/dir/oom_score_adj'), false);
  assert.match(warnings[0], /cannot set this process's oom_score_adj to -999/);
});
