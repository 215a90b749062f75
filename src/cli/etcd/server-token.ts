// The server token: what lets a machine join as a control-plane server (it receives the cluster's
// CA and keys), apart from the node token that only lets an agent ask for its own certificate.
// k3s' format: "K10<sha256 of the CA PEM>::server:<secret>". The secret is DATA/pki/server-join-secret
// (copied to every server with the PKI); the whole token is DATA/server-token, 0600.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../args.js';
import { caHash } from '../join-token.js';

export const serverTokenFile = (dataDir: string) => join(dataDir, 'server-token');

/** Made once per cluster (the founding server), reused after; DATA/server-token rewritten on every start. */
export async function ensureServerToken(dataDir: string, caPem: string): Promise<string> {
  const path = join(dataDir, 'pki', 'server-join-secret');
  let secret = existsSync(path) ? (await readFile(path, 'utf8')).trim() : '';
  if (!/^[0-9a-f]{64}$/.test(secret)) {
    secret = randomBytes(32).toString('hex');
    await writeFile(path, `${secret}\n`, { mode: 0o600 });
  }
  const token = `K10${caHash(caPem)}::server:${secret}`;
  await writeFile(serverTokenFile(dataDir), `${token}\n`, { mode: 0o600 });
  return secret;
}

/** The CA hash and the secret; a node token or anything else is refused with what to use instead. */
export function parseServerToken(text: string): { caHash: string; secret: string } {
  const m = /^K10([0-9a-f]{64})::server:([0-9a-f]{64})$/.exec(text.trim());
  if (m) return { caHash: m[1], secret: m[2] };
  if (/^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/.test(text.trim())) throw new UsageError("this is a node token (it joins agents): a server joins with the first server's DATA/server-token");
  throw new UsageError("the server token is malformed: copy it whole from the first server's DATA/server-token");
}

/** Constant-time comparison of a presented secret with ours. */
export function secretMatches(presented: string, ours: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(ours);
  return a.length === b.length && timingSafeEqual(a, b);
}
