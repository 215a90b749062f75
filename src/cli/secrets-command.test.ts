import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretsCommand } from './secrets-command.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { EncryptingStore } from '../store/encryption/encrypting-store.js';
import { parseEncryptionConfig } from '../store/encryption/config.js';
import { ValueTransformer } from '../store/encryption/transformer.js';
import { UsageError } from './args.js';

const yaml = (ps: string) => `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${ps}`;
const keyed = (type: string, name: string, secret: string) => `      - ${type}:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;

test('gifee secrets reencrypt rewrites a stopped SQLite store with the first key; mistakes are usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gifee-reenc-'));
  const log = console.log;
  try {
    const k1 = randomBytes(32).toString('base64');
    const k2 = randomBytes(32).toString('base64');
    const before = yaml(keyed('aescbc', 'key1', k1));
    const inner = new SqliteStore(join(dir, 'state.db'));
    const s = new EncryptingStore(inner, new ValueTransformer(parseEncryptionConfig(before)));
    await s.create('/registry/core/secrets/ns/a', '{"a":1}');
    await s.create('/registry/core/secrets/ns/b', '{"b":1}');
    await s.close();
    const file = join(dir, 'enc.yaml');
    writeFileSync(file, yaml(keyed('secretbox', 'key2', k2) + keyed('aescbc', 'key1', k1)));
    const printed: string[] = [];
    console.log = (m: string) => void printed.push(m);
    await secretsCommand(['reencrypt', '--data-dir', dir, '--encryption-provider-config', file]);
    console.log = log;
    assert.deepEqual(printed, ['rewrote 2 values with the current key; 0 already used it']);
    const check = new SqliteStore(join(dir, 'state.db'));
    for (const kv of (await check.list('/registry/core/secrets/')).items) assert.match(kv.value, /^k8s:enc:secretbox:v1:key2:/);
    await check.close();
    await assert.rejects(secretsCommand(['reencrypt']), (e: unknown) => e instanceof UsageError && /--data-dir is required/.test(e.message));
    await assert.rejects(secretsCommand(['rotate']), (e: unknown) => e instanceof UsageError && /unknown command "rotate"/.test(e.message));
    await assert.rejects(secretsCommand(['reencrypt', '--data-dir', join(dir, 'none'), '--encryption-provider-config', file]), (e: unknown) => e instanceof UsageError && /no store in/.test(e.message));
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
});
