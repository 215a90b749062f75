// Client settings from a kubeconfig file (its current context): server, CA and client certificate,
// inline (*-data) or as file paths relative to the kubeconfig, as kubectl reads them.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { ClientConfig } from './rest.js';

/** $KUBECONFIG's first file, else ~/.kube/config (kubectl's default). */
export function defaultKubeconfigPath(): string {
  const env = process.env.KUBECONFIG?.split(':').filter(Boolean)[0];
  return env ?? join(homedir(), '.kube', 'config');
}

type Named<T> = { name: string } & T;

export async function clientConfigFromKubeconfig(path = defaultKubeconfigPath(), userAgent?: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read kubeconfig ${path}: ${(e as Error).message}; pass --kubeconfig or start a cluster with \`gifee up\``);
  }
  const kc = parse(text) as {
    'current-context'?: string;
    contexts?: Named<{ context: { cluster: string; user: string } }>[];
    clusters?: Named<{ cluster: Record<string, string> }>[];
    users?: Named<{ user: Record<string, string> }>[];
  };
  const ctxName = kc['current-context'] ?? kc.contexts?.[0]?.name;
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path} has no current context; set one with \`kubectl config use-context\``);
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = kc.users?.find((u) => u.name === ctx.user)?.user;
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: context "${ctxName}" names cluster "${ctx.cluster}", which has no server`);
  const base = dirname(path);
  const material = async (data: string | undefined, file: string | undefined, what: string) => {
    let pem: string;
    if (data) pem = Buffer.from(data, 'base64').toString('utf8');
    else if (file) pem = await readFile(isAbsolute(file) ? file : join(base, file), 'utf8');
    else throw new Error(`kubeconfig ${path}: context "${ctxName}" has no ${what} (gifee clients authenticate with client certificates)`);
    if (!pem.includes('-----BEGIN ')) throw new Error(`kubeconfig ${path}: the ${what} of context "${ctxName}" is not PEM data`);
    return pem;
  };
  return {
    server: cluster.server.replace(/\/$/, ''),
    ca: await material(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate authority'),
    cert: await material(user?.['client-certificate-data'], user?.['client-certificate'], 'client certificate'),
    key: await material(user?.['client-key-data'], user?.['client-key'], 'client key'),
    userAgent,
  };
}
