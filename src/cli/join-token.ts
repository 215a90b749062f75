// Join tokens: how a worker proves it may join a cluster and learns which CA to trust, in one
// string (k3s' format): "K10<sha256 of the CA certificate PEM>::<token-id>.<token-secret>", where
// "<token-id>.<token-secret>" is a bootstrap token (a bootstrap.kubernetes.io/token Secret in
// kube-system). A bootstrap token can only ask for the node's client certificate through a CSR:
// the agent then talks to the API as system:node:NAME. The server keeps its long-lived token in
// DATA/pki/bootstrap-token and the whole join token in DATA/node-token for `gifee agent --token-file`;
// `gifee token create --ttl` makes expiring ones.

import { createHash, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBootstrapToken } from '../api/bootstrap-token.js';
import { UsageError } from './args.js';

export const caHash = (caPem: string) => createHash('sha256').update(caPem).digest('hex');

export function formatJoinToken(caPem: string, bootstrapToken: string): string {
  return `K10${caHash(caPem)}::${bootstrapToken}`;
}

/** The CA hash (when the token has one) and the bootstrap token "<id>.<secret>". */
export function parseJoinToken(token: string): { caHash?: string; token: string; id: string } {
  const t = token.trim();
  const full = /^K10([0-9a-f]{64})::(.+)$/.exec(t);
  const bare = full ? full[2] : t;
  const parsed = parseBootstrapToken(bare);
  if (!parsed) {
    if (/^K10[0-9a-f]{64}::node:/.test(t)) throw new UsageError("this join token is from an older gifee (a shared node secret): use the server's current DATA/node-token, or make one with `gifee token create`");
    throw new UsageError("the join token is malformed: copy it whole from the server's DATA/node-token (or `gifee token create`)");
  }
  return { caHash: full?.[1], token: bare, id: parsed.id };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomString = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** A new bootstrap token: id [a-z0-9]{6}, secret [a-z0-9]{16}, from the CSPRNG. */
export function newBootstrapToken(): { id: string; secret: string; token: string } {
  const id = randomString(6);
  const secret = randomString(16);
  return { id, secret, token: `${id}.${secret}` };
}

/** The server's long-lived join token, made on first start: DATA/pki/bootstrap-token, and DATA/node-token. */
export async function ensureJoinToken(dataDir: string, caPem: string): Promise<{ id: string; secret: string; token: string; joinToken: string }> {
  const path = join(dataDir, 'pki', 'bootstrap-token');
  let t: { id: string; secret: string; token: string } | undefined;
  if (existsSync(path)) {
    const text = (await readFile(path, 'utf8')).trim();
    const p = parseBootstrapToken(text);
    if (p) t = { ...p, token: text };
  }
  if (!t) {
    t = newBootstrapToken();
    await writeFile(path, t.token + '\n', { mode: 0o600 });
  }
  const joinToken = formatJoinToken(caPem, t.token);
  await writeFile(join(dataDir, 'node-token'), joinToken + '\n', { mode: 0o600 });
  return { ...t, joinToken };
}
