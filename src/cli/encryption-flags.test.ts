import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEncryptionConfig, loadEncryptionConfig } from './encryption-flags.js';
import { UsageError } from './args.js';

test('a data dir gets one generated key (0600), kept across starts; a given file is used as is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gifee-encflags-'));
  try {
    const first = await ensureEncryptionConfig(dir, undefined);
    assert.equal(first.generated, true);
    assert.equal(first.file, join(dir, 'pki', 'encryption-config.yaml'));
    assert.equal(statSync(first.file).mode & 0o777, 0o600);
    const text = readFileSync(first.file, 'utf8');
    assert.match(first.transformer.toStorage('/registry/core/secrets/a/b', '{}'), /^k8s:enc:aescbc:v1:key1:/);
    const again = await ensureEncryptionConfig(dir, undefined);
    assert.equal(again.generated, false);
    assert.equal(readFileSync(first.file, 'utf8'), text, 'the key is kept');
    const own = join(dir, 'own.yaml');
    writeFileSync(own, 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers: [{identity: {}}]\n');
    const given = await ensureEncryptionConfig(dir, own);
    assert.equal(given.transformer.toStorage('/registry/core/secrets/a/b', '{}'), '{}');
    await assert.rejects(loadEncryptionConfig(join(dir, 'missing.yaml')), (e: unknown) => e instanceof UsageError && /cannot read .*missing\.yaml: ENOENT/.test(e.message));
    writeFileSync(own, 'kind: EncryptionConfiguration\n');
    await assert.rejects(loadEncryptionConfig(own), (e: unknown) => e instanceof UsageError && /apiVersion must be apiserver\.config\.k8s\.io\/v1/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
