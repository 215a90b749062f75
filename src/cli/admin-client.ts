// An administrator's API client for the CLI's cluster commands (`gifee token`, `gifee user`): from
// --kubeconfig FILE, else from a data dir's PKI (its admin certificate) and DATA/kubeconfig's server
// (written by `gifee server`), else https://127.0.0.1:6443.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withPreviousCa } from './pki.js';
import { parse } from 'yaml';
import { clientConfigFromKubeconfig } from '../client/kubeconfig.js';
import { RestClient, type ClientConfig } from '../client/rest.js';
import { UsageError } from './args.js';

export interface AdminTarget {
  dataDir?: string;
  kubeconfig?: string;
  server?: string;
}

/** The URL the server of a data dir serves at, from DATA/kubeconfig (which `gifee server` and `gifee up` both write). */
export async function serverOfDataDir(dataDir: string): Promise<string | undefined> {
  const path = join(dataDir, 'kubeconfig');
  if (!existsSync(path)) return undefined;
  try {
    const kc = parse(await readFile(path, 'utf8')) as { clusters?: { cluster?: { server?: string } }[] };
    return kc.clusters?.[0]?.cluster?.server;
  } catch {
    return undefined;
  }
}

export async function adminClientConfig(t: AdminTarget, userAgent: string): Promise<ClientConfig> {
  if (t.kubeconfig) {
    const c = await clientConfigFromKubeconfig(t.kubeconfig, userAgent).catch((e: Error) => {
      throw new UsageError(e.message);
    });
    return t.server ? { ...c, server: t.server.replace(/\/$/, '') } : c;
  }
  const dataDir = t.dataDir!;
  const read = (n: string) =>
    readFile(join(dataDir, 'pki', n), 'utf8').catch(() => {
      throw new UsageError(`no cluster PKI in ${dataDir}: pass the server's --data-dir, or --kubeconfig with an administrator's kubeconfig`);
    });
  const server = (t.server ?? (await serverOfDataDir(dataDir)) ?? 'https://127.0.0.1:6443').replace(/\/$/, '');
  return { server, ca: await withPreviousCa(join(dataDir, 'pki'), await read('ca.crt')), cert: await read('admin.crt'), key: await read('admin.key'), userAgent };
}

export async function adminClient(t: AdminTarget, userAgent: string): Promise<RestClient> {
  return new RestClient({ ...(await adminClientConfig(t, userAgent)), requestTimeoutMs: 30_000 });
}

/** A request that failed because the server is not there, said plainly. */
export function explainConnectError(e: unknown, server: string): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') throw new UsageError(`cannot reach the API server at ${server} (${code}): is it running? pass --server or --kubeconfig`);
  throw e;
}
