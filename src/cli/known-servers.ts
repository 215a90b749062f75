// DATA/api-servers.json: the API servers an agent last learned from its cluster, kept so that an
// agent restarted while the server named by its --server flag is down still reaches the others
// (k3s keeps its load balancer's server list on disk for the same reason). The file is read as
// hostile input: bounded in size and count, and only bare https:// URLs are taken from it.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_LEARNED_SERVERS } from '../client/server-pool.js';

const FILE = 'api-servers.json';
const MAX_BYTES = 64 * 1024;

export const knownServersFile = (dataDir: string) => join(dataDir, FILE);

/** A bare https://HOST[:PORT] URL, or undefined. */
function bareHttps(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 300) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' || u.pathname !== '/' || u.search || u.hash || u.username || u.password) return undefined;
    return `https://${u.host}`;
  } catch {
    return undefined;
  }
}

/** The servers in a file's text: at most MAX_LEARNED_SERVERS bare https URLs; anything else is none. */
export function parseKnownServers(text: string): string[] {
  if (text.length > MAX_BYTES) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const list = (json as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const v of list.slice(0, MAX_LEARNED_SERVERS)) {
    const u = bareHttps(v);
    if (u && !out.includes(u)) out.push(u);
  }
  return out;
}

export async function loadKnownServers(dataDir: string): Promise<string[]> {
  const text = await readFile(knownServersFile(dataDir), 'utf8').catch(() => '');
  return text ? parseKnownServers(text) : [];
}

/** Written whole (temporary file, then rename): a crash leaves the old list or the new one. */
export async function saveKnownServers(dataDir: string, servers: readonly string[]): Promise<void> {
  const path = knownServersFile(dataDir);
  await writeFile(`${path}.tmp`, `${JSON.stringify({ servers: servers.slice(0, MAX_LEARNED_SERVERS) }, null, 2)}\n`, { mode: 0o644 });
  await rename(`${path}.tmp`, path);
}
