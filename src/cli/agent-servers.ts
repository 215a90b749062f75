// `gifee agent --server`: one or more API servers of the cluster, the flag repeated or its value
// comma-separated. Each must be an https:// URL (the agent talks to nothing else); they are the
// seeds of the agent's server pool and are tried in turn to fetch the cluster CA.

import { UsageError } from './args.js';

/** More seeds than this is a mistake, not a cluster. */
export const MAX_SEED_SERVERS = 16;

/** The servers named by --server (each a value of the repeated flag), in order, without duplicates. */
export function parseServerFlags(values: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    for (const part of v.split(',')) {
      const s = part.trim().replace(/\/+$/, '');
      if (!s) continue;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new UsageError(`gifee agent: --server ${JSON.stringify(part.trim())} is not a URL: give https://HOST:6443`);
      }
      if (u.protocol !== 'https:') throw new UsageError(`gifee agent: --server ${s} must be an https:// URL (e.g. https://${u.host || 'HOST'}:6443)`);
      if (u.pathname !== '/' || u.search || u.hash || u.username || u.password) throw new UsageError(`gifee agent: --server ${s} must be just https://HOST[:PORT], without a path, query or credentials`);
      const url = `https://${u.host}`;
      if (!out.includes(url)) out.push(url);
    }
  }
  if (out.length === 0) throw new UsageError('gifee agent: --server https://HOST:6443 is required (repeat it, or separate several with commas, for a cluster with more than one server)');
  if (out.length > MAX_SEED_SERVERS) throw new UsageError(`gifee agent: at most ${MAX_SEED_SERVERS} --server URLs (got ${out.length}); the agent learns the others from the cluster`);
  return out;
}
