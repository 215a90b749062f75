// Bootstrap token Secrets through the API, for `gifee server` (its long-lived join token) and
// `gifee token create|list|delete`.

import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_PREFIX, BOOTSTRAP_TOKEN_TYPE, readTokenSecret, secretNameOf, tokenSecretData } from '../api/bootstrap-token.js';
import type { KObject } from '../api/kind.js';
import { R } from '../client/resources.js';
import { isConflict, StatusError, type RestClient } from '../client/rest.js';
import { ignoreError } from '../util/best-effort.js';

export interface TokenSpec {
  id: string;
  secret: string;
  expiration?: string;
  description?: string;
  extraGroups?: string[];
}

const secretOf = (t: TokenSpec): KObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: BOOTSTRAP_TOKEN_TYPE,
  metadata: { name: secretNameOf(t.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
  stringData: tokenSecretData(t),
});

export async function createTokenSecret(client: RestClient, t: TokenSpec): Promise<void> {
  await client.create(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, secretOf(t));
}

/** Makes sure the Secret of the server's own join token exists and holds this secret (a new store, a restored data dir). */
export async function ensureTokenSecret(client: RestClient, t: TokenSpec): Promise<void> {
  for (let i = 0; i < 3; i++) {
    try {
      return await createTokenSecret(client, t);
    } catch (e) {
      if (!isConflict(e) && !(e instanceof StatusError && e.code === 409)) throw e;
    }
    const cur = await client.get(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, secretNameOf(t.id)).catch(ignoreError('the delete and create below go on: a real fault fails the create'));
    const data = cur && readTokenSecret(cur as { type?: unknown; data?: unknown });
    if (data && data.secret === t.secret && data.authentication && !data.expiration) return;
    await client.delete(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, secretNameOf(t.id)).catch(ignoreError('gone already, or the next create fails on its own'));
  }
  // Three rounds of "exists, but not this token" and the delete not taking: something else keeps
  // writing that Secret. Say so instead of going on as if the token worked.
  throw new TokenSecretContendedError(`the bootstrap token Secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${secretNameOf(t.id)} could not be made to hold this token: another writer keeps changing it`);
}

/** ensureTokenSecret gave up: the Secret exists, holds another token, and keeps coming back. */
export class TokenSecretContendedError extends Error {}

export interface TokenRow {
  id: string;
  expiration?: string;
  description?: string;
  usages: string[];
  extraGroups: string[];
}

export async function listTokens(client: RestClient): Promise<TokenRow[]> {
  const list = await client.list(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, { fieldSelector: `type=${BOOTSTRAP_TOKEN_TYPE}` });
  const rows: TokenRow[] = [];
  for (const s of list.items) {
    const d = readTokenSecret(s as { type?: unknown; data?: unknown });
    const name = s.metadata?.name ?? '';
    if (!d || !name.startsWith(BOOTSTRAP_TOKEN_PREFIX)) continue;
    rows.push({ id: d.id ?? name.slice(BOOTSTRAP_TOKEN_PREFIX.length), expiration: d.expiration, description: d.description, usages: [...(d.authentication ? ['authentication'] : []), ...(d.signing ? ['signing'] : [])], extraGroups: d.extraGroups });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}
