// The admin kubeconfig of a data dir (its CA and admin client certificate), as `gifee kubeconfig`
// prints it and `gifee kubectl` uses it.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withPreviousCa } from './pki.js';
import { stringify } from 'yaml';
import { UsageError } from './args.js';
import { serverOfDataDir } from './admin-client.js';
import { buildKubeconfig } from './kubeconfig.js';

export async function adminKubeconfigYaml(dataDir: string, server?: string): Promise<string> {
  const pki = join(dataDir, 'pki');
  const read = (n: string) =>
    readFile(join(pki, n), 'utf8').catch(() => {
      throw new UsageError(`no cluster PKI in ${dataDir}: start one with \`gifee up\` or pass --data-dir`);
    });
  const url = server ?? (await serverOfDataDir(dataDir)) ?? 'https://127.0.0.1:6443';
  return stringify(buildKubeconfig({ name: 'gifee', server: url, ca: await withPreviousCa(pki, await read('ca.crt')), cert: await read('admin.crt'), key: await read('admin.key') }));
}
