// Kubeconfig files: the admin kubeconfig a server writes, and merging it into a user's existing
// kubeconfig (entries named "gifee" replaced, everything else kept) written atomically with 0600.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

export interface KubeconfigInput {
  name: string;
  server: string;
  ca: string;
  cert: string;
  key: string;
}

type Named<T> = { name: string } & T;
export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: Named<{ cluster: Record<string, unknown> }>[];
  users: Named<{ user: Record<string, unknown> }>[];
  contexts: Named<{ context: Record<string, unknown> }>[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
  [k: string]: unknown;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function buildKubeconfig(i: KubeconfigInput): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: i.name, cluster: { server: i.server, 'certificate-authority-data': b64(i.ca) } }],
    users: [{ name: i.name, user: { 'client-certificate-data': b64(i.cert), 'client-key-data': b64(i.key) } }],
    contexts: [{ name: i.name, context: { cluster: i.name, user: i.name } }],
    'current-context': i.name,
    preferences: {},
  };
}

/** Replace same-named entries of `add` in `base`, keep the rest, and make add's context current. */
export function mergeKubeconfig(base: Partial<Kubeconfig> | null | undefined, add: Kubeconfig): Kubeconfig {
  const merge = <T extends { name: string }>(a: T[] | null | undefined, b: T[]) => [...(a ?? []).filter((x) => !b.some((y) => y.name === x.name)), ...b];
  return {
    ...(base ?? {}),
    apiVersion: 'v1',
    kind: 'Config',
    clusters: merge(base?.clusters, add.clusters),
    users: merge(base?.users, add.users),
    contexts: merge(base?.contexts, add.contexts),
    'current-context': add['current-context'],
    preferences: base?.preferences ?? {},
  };
}

export async function writeKubeconfig(path: string, kc: Kubeconfig, opts: { merge?: boolean } = {}) {
  await mkdir(dirname(path), { recursive: true });
  let out = kc;
  if (opts.merge && existsSync(path)) {
    const text = await readFile(path, 'utf8');
    let base: Partial<Kubeconfig> | null;
    try {
      base = parse(text) as Partial<Kubeconfig> | null;
    } catch (e) {
      throw new Error(`cannot merge into ${path}: it is not valid YAML (${(e as Error).message}); fix it or pass --kubeconfig to write elsewhere`);
    }
    out = mergeKubeconfig(base, kc);
  }
  const tmp = `${path}.gifee-tmp`;
  await writeFile(tmp, stringify(out), { mode: 0o600 });
  await rename(tmp, path);
}
