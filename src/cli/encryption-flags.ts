// Secrets encrypted at rest, as flags of `gifee up` and `gifee server`: --encryption-provider-config
// names a Kubernetes EncryptionConfiguration; without it the server writes one with a new key to
// DATA/pki/encryption-config.yaml (0600) on first start and uses it from then on.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatedConfigYaml, parseEncryptionConfig } from '../store/encryption/config.js';
import { ValueTransformer } from '../store/encryption/transformer.js';
import { type FlagTable, UsageError } from './args.js';

export const ENCRYPTION_FLAG_TABLE: FlagTable = {
  'encryption-provider-config': { type: 'string', value: 'FILE', help: 'EncryptionConfiguration (apiserver.config.k8s.io/v1): which resources\nare encrypted at rest, with which keys (default DATA/pki/encryption-config.yaml,\ngenerated on first start: Secrets with a new aescbc key)' },
};

export const defaultEncryptionConfigPath = (dataDir: string) => join(dataDir, 'pki', 'encryption-config.yaml');

export function encryptionConfigFileOf(f: Record<string, unknown>): string | undefined {
  const v = f['encryption-provider-config'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError('--encryption-provider-config needs a file');
  return v;
}

/** Reads and checks an EncryptionConfiguration file; every problem is a UsageError naming the file. */
export async function loadEncryptionConfig(file: string): Promise<ValueTransformer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--encryption-provider-config: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return new ValueTransformer(parseEncryptionConfig(text));
  } catch (e) {
    throw new UsageError(`--encryption-provider-config ${file}: ${(e as Error).message}`);
  }
}

/** The given file, or the data dir's own (written with a fresh 32-byte key when missing). */
export async function ensureEncryptionConfig(dataDir: string, file: string | undefined): Promise<{ file: string; transformer: ValueTransformer; generated: boolean }> {
  if (file) return { file, transformer: await loadEncryptionConfig(file), generated: false };
  const path = defaultEncryptionConfigPath(dataDir);
  let generated = false;
  if (!existsSync(path)) {
    await mkdir(join(dataDir, 'pki'), { recursive: true, mode: 0o700 });
    // wx: two servers starting on one data dir must not each write a different key.
    await writeFile(path, generatedConfigYaml(randomBytes(32).toString('base64')), { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    generated = true;
  }
  await chmod(path, 0o600);
  return { file: path, transformer: await loadEncryptionConfig(path), generated };
}
