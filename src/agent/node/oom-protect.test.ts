import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectFromOomKiller } from './oom-protect.js';
import type { Logger } from '../../util/log.js';
import { tempDir } from '../../../test/helpers/temp-dirs.js';

const recorder = () => {
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, child: () => log };
  return { log, warnings };
};

test('writes -999 and reads it back', async () => {
  const f = join(tempDir('oom-'), 'oom_score_adj');
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

test('the lowest settable score: anything with CAP_SYS_RESOURCE, else no lower than our own', async () => {
  const { lowestSettableOomScoreAdj } = await import('./oom-protect.js');
  const dir = tempDir('proc-');
  const cases: { capEff: string; own: string; want: number }[] = [
    { capEff: '000001ffffffffff', own: '0', want: -1000 },
    { capEff: '0000000001000000', own: '0', want: -1000 }, // exactly bit 24
    { capEff: '000001fffeffffff', own: '0', want: 0 }, // everything but CAP_SYS_RESOURCE
    { capEff: '0000000000000000', own: '-500', want: -500 },
  ];
  for (const c of cases) {
    writeFileSync(join(dir, 'status'), `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${c.capEff}\nCapBnd:\t000001ffffffffff\n`);
    writeFileSync(join(dir, 'oom_score_adj'), `${c.own}\n`);
    assert.equal(await lowestSettableOomScoreAdj(dir), c.want, c.capEff);
  }
  writeFileSync(join(dir, 'status'), 'CapEff:\t0\n');
  writeFileSync(join(dir, 'oom_score_adj'), 'junk');
  await assert.rejects(lowestSettableOomScoreAdj(dir), /unreadable/);
});
