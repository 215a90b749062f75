// gifee certs check as a user runs it, against a data dir's real PKI (made by ensurePki).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { componentCerts, ensurePki } from '../pki.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const gifee = (args: string[]) =>
  promisify(execFile)(process.execPath, [main, ...args]).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  );

test('gifee certs check lists every certificate of the PKI; a damaged one makes it exit 1 with what to do', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-certs-'));
  try {
    const pki = await ensurePki(dir);
    await componentCerts(dir, pki.ca);
    const table = await gifee(['certs', 'check', '--data-dir', dir]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^CERTIFICATE\s+SUBJECT\s+EXPIRES\s+RESIDUAL\s+CA\s+STATUS\n/);
    assert.match(table.stdout, /^ca\s+gifee-ca\s+\d{4}-\d\d-\d\d\s+36\d\dd\s+yes\s+ok$/m);
    assert.match(table.stdout, /^server\s+gifee-apiserver\s+\S+\s+36[45]d\s+no\s+ok$/m);
    assert.match(table.stdout, /^kube-scheduler\s+system:kube-scheduler\s/m);
    const json = JSON.parse((await gifee(['certs', 'check', '--data-dir', dir, '-o', 'json'])).stdout);
    assert.equal(json.kind, 'CertificateExpiryList');
    assert.ok(json.items.every((i: { status: string }) => i.status === 'ok'));
    await writeFile(join(dir, 'pki', 'broken.crt'), 'garbage');
    const bad = await gifee(['certs', 'check', '--data-dir', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^broken\s+-\s+-\s+-\s+no\s+unreadable$/m);
    assert.match(bad.stderr, /broken\.crt: unreadable .*: not a PEM certificate/);
    const none = await gifee(['certs', 'check', '--data-dir', join(dir, 'nowhere')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no PKI in .*pass the server's --data-dir/);
    const wrong = await gifee(['certs', 'rotate']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /subcommands are check and rotate-ca/);
    // rotate-ca: usage errors that say what to do.
    const noPki = await gifee(['certs', 'rotate-ca', '--data-dir', join(dir, 'nowhere')]);
    assert.equal(noPki.code, 2);
    assert.match(noPki.stderr, /no PKI in .*pass the server's --data-dir/);
    const notUnder = await gifee(['certs', 'rotate-ca', '--data-dir', dir, '--finish']);
    assert.equal(notUnder.code, 2);
    assert.match(notUnder.stderr, /no CA rotation is under way \(start one with gifee certs rotate-ca\)/);
    const badFlag = await gifee(['certs', 'rotate-ca', '--force']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /see gifee certs --help/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
