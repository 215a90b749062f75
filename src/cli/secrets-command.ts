// `gifee secrets reencrypt`: the rewrite step of key rotation, offline. Every stored value of the
// encrypted resources that the configuration's first provider did not write (an older key, or plain
// values from before encryption) is decrypted and written again with the first provider.
// On SQLite the server must be stopped (its store is not shared between processes); on etcd it may
// run. With a running server, `kubectl get secrets -A -o json | kubectl replace -f -` does the same.

import { parseFlags, UsageError } from './args.js';
import { defaultEncryptionConfigPath, loadEncryptionConfig } from './encryption-flags.js';

const HELP = `gifee secrets reencrypt: rewrite stored Secrets (and other encrypted resources) with the first key
of the encryption configuration. Rotation: put the new key first in the file, restart the server,
run this (SQLite: with the server stopped), then remove the old key and restart.

Flags:
  --data-dir DIR                      the server's data directory (required)
  --encryption-provider-config FILE   default DIR/pki/encryption-config.yaml
  --store sqlite|etcd                 default sqlite
  --etcd-endpoints URLS               with --store etcd`;

export async function secretsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return console.log(HELP);
  if (sub !== 'reencrypt') throw new UsageError(`gifee secrets: unknown command "${sub}"; the command is reencrypt (see gifee secrets --help)`);
  const f = parseFlags('secrets reencrypt', rest, {
    'data-dir': { type: 'string' },
    'encryption-provider-config': { type: 'string' },
    store: { type: 'string' },
    'etcd-endpoints': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (f.help) return console.log(HELP);
  const dataDir = f['data-dir'] as string | undefined;
  if (!dataDir) throw new UsageError('gifee secrets reencrypt: --data-dir is required');
  const backend = (f.store as string | undefined) ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'etcd') throw new UsageError(`--store must be sqlite or etcd, not "${backend}"`);
  const endpoints = String(f['etcd-endpoints'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const transformer = await loadEncryptionConfig((f['encryption-provider-config'] as string | undefined) ?? defaultEncryptionConfigPath(dataDir));
  const { openStore } = await import('../store/index.js');
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  if (backend === 'sqlite' && !existsSync(join(dataDir, 'state.db'))) throw new UsageError(`no store in ${dataDir} (no state.db)`);
  const store = await openStore({ backend, dataDir, etcdEndpoints: endpoints }).catch((e: Error) => {
    throw new UsageError(`cannot open the ${backend} store: ${e.message}`);
  });
  try {
    const { reencryptAll } = await import('../store/encryption/reencrypt.js');
    const r = await reencryptAll(store, transformer);
    console.log(`rewrote ${r.rewritten} values with the current key; ${r.current} already used it`);
    for (const x of r.failed) console.error(`cannot decrypt ${x.key}: ${x.error}`);
    if (r.failed.length) process.exitCode = 1;
  } finally {
    await store.close();
  }
}
