import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPathProblem, readGifeeBuild } from './gifee-build.js';

test('build paths: relative, traversal, odd or huge paths refused before any file is read', () => {
  assert.match(buildPathProblem('gifee-0.2') ?? '', /must be absolute/);
  assert.match(buildPathProblem('/opt/gifee/../etc') ?? '', /"\." or "\.\." segments/);
  assert.match(buildPathProblem('/opt/./gifee') ?? '', /"\." or "\.\." segments/);
  assert.match(buildPathProblem('/opt//gifee') ?? '', /not normal/);
  assert.match(buildPathProblem('/opt/gi\nfee') ?? '', /control characters/);
  assert.match(buildPathProblem(`/${'a'.repeat(2000)}`) ?? '', /at most/);
  assert.match(buildPathProblem('') ?? '', /required/);
  assert.equal(buildPathProblem('/opt/gifee-0.2/'), undefined);
});

test('a gifee build: package.json named gifee with a version, bin and dist present; anything else refused with what is missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gifee-build-'));
  try {
    assert.throws(() => readGifeeBuild(join(dir, 'nope')), /not a directory/);
    assert.throws(() => readGifeeBuild(dir), /no package.json/);
    writeFileSync(join(dir, 'package.json'), '{not json');
    assert.throws(() => readGifeeBuild(dir), /not JSON/);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.0.0' }));
    assert.throws(() => readGifeeBuild(dir), /not gifee/);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gifee', version: 'latest' }));
    assert.throws(() => readGifeeBuild(dir), /no MAJOR.MINOR.PATCH/);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gifee', version: '0.2.0' }));
    assert.throws(() => readGifeeBuild(dir), /bin\/gifee.js is missing/);
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin/gifee.js'), '');
    assert.throws(() => readGifeeBuild(dir), /dist\/src\/cli\/main.js is missing/);
    mkdirSync(join(dir, 'dist/src/cli'), { recursive: true });
    writeFileSync(join(dir, 'dist/src/cli/main.js'), '');
    assert.deepEqual(readGifeeBuild(`${dir}/`), { path: dir, version: '0.2.0' });
    writeFileSync(join(dir, 'package.json'), ' '.repeat(70 * 1024));
    assert.throws(() => readGifeeBuild(dir), /larger than/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
