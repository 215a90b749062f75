import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secureDataDir, secureSecretFiles } from './data-dir-perms.js';
import type { Logger } from '../util/log.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

const recorder = () => {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (msg, fields) => void warnings.push({ msg, fields }), error() {}, child: () => log };
  return { log, warnings };
};
const mode = (p: string) => statSync(p).mode & 0o777;

test('a pre-existing 0755 data dir with a 0644 store and keys: fixed, with a warning', async () => {
  const dir = join(tempDir('perm-'), 'data');
  mkdirSync(join(dir, 'pki'), { recursive: true });
  for (const f of ['state.db', 'state.db-wal', 'state.db-shm', 'node-token', 'kubeconfig', 'pki/ca.key', 'pki/admin.key', 'pki/node-token', 'pki/ca.crt']) {
    writeFileSync(join(dir, f), 'x');
    chmodSync(join(dir, f), 0o644);
  }
  chmodSync(join(dir, 'pki'), 0o755);
  chmodSync(dir, 0o755);
  const { log, warnings } = recorder();
  await secureDataDir(dir, log);
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, 'pki')), 0o700);
  for (const f of ['state.db', 'state.db-wal', 'state.db-shm', 'node-token', 'kubeconfig', 'pki/ca.key', 'pki/admin.key', 'pki/node-token']) assert.equal(mode(join(dir, f)), 0o600, f);
  assert.equal(mode(join(dir, 'pki', 'ca.crt')), 0o644, 'certificates are public');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].msg, /accessible to other users/);
  assert.equal(warnings[0].fields!.mode, '0755');
});

test('a missing data dir is created 0700 whatever the umask; a tidy one gives no warning', async () => {
  const dir = join(tempDir('perm-'), 'a', 'b');
  const old = process.umask(0o022);
  try {
    const { log, warnings } = recorder();
    await secureDataDir(dir, log);
    assert.equal(mode(dir), 0o700);
    await secureDataDir(dir, log);
    assert.deepEqual(warnings, []);
  } finally {
    process.umask(old);
  }
});

test("the store's files created later are restricted on the second pass; a file as data dir is refused", async () => {
  const dir = tempDir('perm-');
  writeFileSync(join(dir, 'state.db-wal'), '', { mode: 0o644 });
  chmodSync(join(dir, 'state.db-wal'), 0o644);
  await secureSecretFiles(dir, recorder().log);
  assert.equal(mode(join(dir, 'state.db-wal')), 0o600);
  await assert.rejects(secureDataDir(join(dir, 'state.db-wal'), recorder().log), /not a directory/);
});
