import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createImageStore } from '../agent/images/store.js';
import { testImages } from '../../test/helpers/images.js';
import { humanSize } from './images.js';

const run = promisify(execFile);
// Compiled (dist/, as the test command runs it) or from source through tsx.
const compiled = import.meta.url.endsWith('.js');
const main = join(dirname(fileURLToPath(import.meta.url)), compiled ? 'main.js' : 'main.ts');
const gifee = (args: string[]) => run(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), main, ...args], { env: { ...process.env, GIFEE_LOG: 'error' } });

test('humanSize is decimal like docker', () => {
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1_040_000), '1.04MB');
  assert.equal(humanSize(123_456_789), '123MB');
});

test('gifee images import/ls/rm in another process: a running store sees each change at once', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const images = await testImages();
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-cli-images-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = createImageStore({ dataDir }); // stands in for the running agent
  assert.deepEqual(await store.list(), []);

  const imported = await gifee(['images', 'import', images.web1, images.busyboxDocker, '--data-dir', dataDir]);
  assert.match(imported.stdout, /^imported gifee\.local\/web:1 \([0-9a-f]{12}, [\d.]+[kM]B\) from \S+web-1\.oci\.tar in \d+\.\ds$/m);
  // Not a terminal: progress as plain lines on stderr, starting at 0%.
  assert.match(imported.stderr, /^importing web-1\.oci\.tar {2}\[ {24}\] {3}0% {2}0B\/[\d.]+[kM]B {2}\S+$/m);
  assert.equal((await store.get('gifee.local/web:1'))?.config.cmd?.[0], 'httpd');

  const ls = await gifee(['images', 'ls', '--data-dir', dataDir]);
  const lines = ls.stdout.trim().split('\n');
  assert.match(lines[0], /^REFERENCE\s+IMAGE ID\s+SIZE$/);
  assert.match(ls.stdout, /gifee\.local\/busybox:1\s+[0-9a-f]{12}\s+[\d.]+MB/);
  assert.match(ls.stdout, /gifee\.local\/web:1\s+[0-9a-f]{12}\s+[\d.]+MB/);

  const json = JSON.parse((await gifee(['images', 'ls', '-o', 'json', '--data-dir', dataDir])).stdout);
  assert.equal(json.kind, 'ImageList');
  assert.deepEqual(json.items.map((i: { references: string[] }) => i.references[0]).sort(), ['gifee.local/busybox:1', 'gifee.local/web:1']);
  assert.match(json.items[0].id, /^sha256:[0-9a-f]{64}$/);
  assert.ok(json.items[0].size > 0);
  assert.match((await gifee(['images', 'ls', '-o', 'yaml', '--data-dir', dataDir])).stdout, /^kind: ImageList\nitems:\n {2}- references:\n/);
  await assert.rejects(gifee(['images', 'ls', '-o', 'wide', '--data-dir', dataDir]), (e: any) => e.code === 2 && /-o must be table, json or yaml, not "wide"/.test(e.stderr));
  const quiet = await gifee(['images', 'import', '-q', images.web1, '--data-dir', dataDir]);
  assert.equal(quiet.stderr, '');
  assert.match(quiet.stdout, /^imported gifee\.local\/web:1 /);

  await gifee(['images', 'rm', 'gifee.local/web:1', '--data-dir', dataDir]);
  assert.equal(await store.get('gifee.local/web:1'), undefined);
  await assert.rejects(gifee(['images', 'rm', 'gifee.local/web:1', '--data-dir', dataDir]), (e: any) => e.code === 1 && /not present on this node/.test(e.stderr));
  await assert.rejects(gifee(['images', 'import', '--data-dir', dataDir]), (e: any) => e.code === 2 && /give at least one FILE/.test(e.stderr));
});
