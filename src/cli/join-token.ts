// Join tokens: how a worker proves it may join a cluster and learns which CA to trust, in one
// string (k3s' format): "K10<sha256 of the CA certificate PEM>::node:<secret>". The server keeps the
// secret in DATA/pki/node-token and the whole token in DATA/node-token for `gifee agent --token`.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TokenAuthenticator } from '../apiserver/authn.js';
import { UsageError } from './args.js';

export const caHash = (caPem: string) => createHash('sha256').update(caPem).digest('hex');

export function formatJoinToken(caPem: string, secret: string): string {
  return `K10${caHash(caPem)}::node:${secret}`;
}

export function parseJoinToken(token: string): { caHash?: string; secret: string } {
  const m = /^K10([0-9a-f]{64})::[^:]+:(.+)$/.exec(token.trim());
  if (m) return { caHash: m[1], secret: m[2] };
  if (/^K10/.test(token)) throw new UsageError("the join token is malformed: copy it whole from the server's DATA/node-token");
  return { secret: token.trim() };
}

/** The cluster's node secret, created on first start; and the join token file beside the data. */
export async function ensureNodeToken(dataDir: string, caPem: string): Promise<{ secret: string; token: string }> {
  const path = join(dataDir, 'pki', 'node-token');
  let secret: string;
  if (existsSync(path)) secret = (await readFile(path, 'utf8')).trim();
  else {
    secret = randomBytes(24).toString('hex');
    await writeFile(path, secret + '\n', { mode: 0o600 });
  }
  const token = formatJoinToken(caPem, secret);
  await writeFile(join(dataDir, 'node-token'), token + '\n', { mode: 0o600 });
  return { secret, token };
}

/** Accepts the node secret (or the whole join token) as a bearer token: a node agent's identity. */
export function nodeTokenAuthenticator(secret: string): TokenAuthenticator {
  const want = Buffer.from(secret);
  return {
    name: 'node-token',
    authenticateToken(token: string) {
      let given: string;
      try {
        given = parseJoinToken(token).secret;
      } catch {
        return null;
      }
      const b = Buffer.from(given);
      if (b.length !== want.length || !timingSafeEqual(b, want)) return null;
      return { user: { name: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] } };
    },
  };
}
