import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDataDirVersion, compareVersions, DATA_DIR_VERSION_FILE, parseStamp, stampDataDir, versionParts } from './data-dir-version.js';
import { UsageError } from './args.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

test('versions: numeric parts, suffixes ignored, garbage refused', () => {
  const cases: [string, [number, number, number] | undefined][] = [
    ['0.1.0', [0, 1, 0]],
    ['v1.32.10', [1, 32, 10]],
    ['2.0.0-rc.1', [2, 0, 0]],
    ['2.0.0+abc', [2, 0, 0]],
    ['1.2', undefined],
    ['1.2.3.4', undefined],
    ['', undefined],
    ['x.y.z', undefined],
    ['1.2.3 ', undefined],
    ['9999999999.0.0', undefined],
  ];
  for (const [v, want] of cases) assert.deepEqual(versionParts(v), want, v);
  const order: [string, string, number][] = [
    ['0.1.0', '0.1.0', 0],
    ['0.2.0', '0.1.9', 1],
    ['0.10.0', '0.9.0', 1],
    ['1.0.0', '0.99.99', 1],
    ['0.1.0', '0.1.1', -1],
  ];
  for (const [a, b, sign] of order) assert.equal(Math.sign(compareVersions(a, b)), sign, `${a} vs ${b}`);
});

test('stamp text: JSON with a version, else a message naming the fault', () => {
  assert.deepEqual(parseStamp('{"gifee":"0.3.1"}\n'), { gifee: '0.3.1' });
  assert.throws(() => parseStamp('not json'), /not JSON/);
  for (const bad of ['null', '[]', '{}', '{"gifee":3}', '{"gifee":"soon"}', '"0.1.0"']) assert.throws(() => parseStamp(bad), /no "gifee" version/, bad);
});

test('a new data dir, an older or equal stamp: accepted; stamping moves the version forward', async () => {
  const dir = join(tempDir('ddv-'), 'data');
  await checkDataDirVersion(dir, '0.1.0', 'gifee up'); // the dir does not exist yet
  mkdirSync(dir);
  await checkDataDirVersion(dir, '0.1.0', 'gifee up');
  await stampDataDir(dir, '0.1.0');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, DATA_DIR_VERSION_FILE), 'utf8')), { gifee: '0.1.0' });
  await checkDataDirVersion(dir, '0.1.0', 'gifee up');
  await checkDataDirVersion(dir, '0.2.0', 'gifee up');
  await stampDataDir(dir, '0.2.0');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, DATA_DIR_VERSION_FILE), 'utf8')), { gifee: '0.2.0' });
  assert.deepEqual(readdirSync(dir), [DATA_DIR_VERSION_FILE], 'no temporary file left');
});

test('a data dir of a newer gifee is refused with what to do, and left as it was', async () => {
  const dir = tempDir('ddv-');
  writeFileSync(join(dir, DATA_DIR_VERSION_FILE), '{"gifee":"0.2.0"}\n');
  const before = statSync(join(dir, DATA_DIR_VERSION_FILE)).mtimeMs;
  await assert.rejects(
    checkDataDirVersion(dir, '0.1.0', 'gifee up'),
    (e: Error) => e instanceof UsageError && e.message.startsWith(`gifee up: the data dir ${dir} was last used by gifee 0.2.0, newer than this gifee 0.1.0;`) && /nothing was started or changed/.test(e.message) && /Run gifee 0\.2\.0 or newer, or start with a different --data-dir/.test(e.message),
  );
  assert.equal(statSync(join(dir, DATA_DIR_VERSION_FILE)).mtimeMs, before);
  assert.deepEqual(readdirSync(dir), [DATA_DIR_VERSION_FILE]);
});

test('hostile stamps: garbage, huge, a directory — refused with the file named, never read whole', async () => {
  const cases: [string, (f: string) => void, RegExp][] = [
    ['garbage', (f) => writeFileSync(f, '\u0000\u0001 binary'), /not JSON/],
    ['huge', (f) => writeFileSync(f, `{"gifee":"0.1.0","pad":"${'x'.repeat(100_000)}"}`), /100\d{3} bytes, more than a version stamp/],
    ['a directory', (f) => mkdirSync(f), /not a regular file/],
    ['no version', (f) => writeFileSync(f, '{"version":"0.1.0"}'), /no "gifee" version/],
  ];
  for (const [name, make, message] of cases) {
    const dir = tempDir('ddv-');
    const file = join(dir, DATA_DIR_VERSION_FILE);
    make(file);
    await assert.rejects(checkDataDirVersion(dir, '0.1.0', 'gifee server'), (e: Error) => e instanceof UsageError && message.test(e.message) && e.message.includes(`remove ${file}`), name);
  }
});
