// Files at rest: the data dir holds the store (every Secret in the cluster), the CA and client keys,
// the join token and the admin kubeconfig, so it is 0700 and those files 0600 whatever an earlier
// run, a restored backup or an installer left. A data dir found open to group or others is fixed
// and said so: someone may already have read it.
// Only modes are changed, never owners: a root-owned dir stays root's.

import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../util/log.js';

/** Files under the data dir that carry secrets (relative paths); those present are made 0600. */
// state.db.migrated-to-etcd: the SQLite store after a move to etcd (store/migrate/), kept as a way back.
const SECRET_FILES = ['state.db', 'state.db-wal', 'state.db-shm', 'state.db.migrated-to-etcd', 'node-token', 'kubeconfig', join('pki', 'node-token')];

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Creates the data dir 0700, or makes an existing one 0700 (with a warning if it was group/world accessible). */
export async function secureDataDir(dataDir: string, log: Logger): Promise<void> {
  const st = await stat(dataDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700); // mkdir's mode is filtered by the umask
    return;
  }
  if (!st.isDirectory()) throw new Error(`data dir ${dataDir} is not a directory`);
  if (st.mode & 0o077) {
    log.warn('the data dir was accessible to other users: its store, keys and token may have been read; making it 0700 (rotate the PKI and join token if in doubt)', { dataDir, mode: octal(st.mode) });
  }
  if ((st.mode & 0o777) !== 0o700) await chmod(dataDir, 0o700);
  await securePki(dataDir, log);
  await secureSecretFiles(dataDir, log);
}

/** The store files, tokens and kubeconfig, 0600 (call again once the store has created its -wal/-shm files). */
export async function secureSecretFiles(dataDir: string, log: Logger): Promise<void> {
  for (const rel of SECRET_FILES) await restrict(join(dataDir, rel), 0o600, log);
}

/** pki/ 0700, its private keys 0600 (certificates are public and stay readable). */
async function securePki(dataDir: string, log: Logger) {
  const dir = join(dataDir, 'pki');
  if (!(await restrict(dir, 0o700, log))) return;
  for (const f of await readdir(dir)) if (f.endsWith('.key')) await restrict(join(dir, f), 0o600, log);
}

/** chmod to mode if the file exists and is looser; false when it does not exist. */
async function restrict(path: string, mode: number, log: Logger): Promise<boolean> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) return false;
  if ((st.mode & 0o777) !== mode) {
    log.info('restricting the mode of a secret file', { path, from: octal(st.mode), to: octal(mode) });
    await chmod(path, mode);
  }
  return true;
}
