// The --kubelet-dir record `gifee reset` reads: written and read back, removed without the flag, and
// a file that is not a sane record (junk, a relative path, /, an unnormalized path) is ignored
// rather than trusted with unmounts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../../../test/helpers/temp-dirs.js';
import { readKubeletDirRecord, writeKubeletDirRecord } from './kubelet-dir-record.js';

test('the record round-trips, and goes when the agent runs without --kubelet-dir', async () => {
  const dataDir = tempDir('gifee-kdr-');
  assert.equal(await readKubeletDirRecord(dataDir), undefined);
  await writeKubeletDirRecord(dataDir, { path: '/var/lib/kubelet', boundByAgent: true });
  assert.deepEqual(await readKubeletDirRecord(dataDir), { path: '/var/lib/kubelet', boundByAgent: true });
  await writeKubeletDirRecord(dataDir, undefined);
  assert.equal(existsSync(join(dataDir, 'agent', 'kubelet-dir.json')), false);
  assert.equal(await readKubeletDirRecord(dataDir), undefined);
});

test('a record that is not sane is ignored', async () => {
  const dataDir = tempDir('gifee-kdr-');
  await mkdir(join(dataDir, 'agent'), { recursive: true });
  const cases: [string, string][] = [
    ['junk', '{not json'],
    ['no path', '{"boundByAgent":true}'],
    ['a number', '{"path":7}'],
    ['relative', '{"path":"var/lib/kubelet"}'],
    ['the root', '{"path":"/"}'],
    ['climbing', '{"path":"/var/lib/../../etc"}'],
    ['trailing slash', '{"path":"/var/lib/kubelet/"}'],
    ['null', 'null'],
  ];
  for (const [name, text] of cases) {
    await writeFile(join(dataDir, 'agent', 'kubelet-dir.json'), text);
    assert.equal(await readKubeletDirRecord(dataDir), undefined, name);
  }
  await writeFile(join(dataDir, 'agent', 'kubelet-dir.json'), '{"path":"/k","boundByAgent":"yes"}');
  assert.deepEqual(await readKubeletDirRecord(dataDir), { path: '/k', boundByAgent: false });
});
