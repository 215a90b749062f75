// Continue tokens, in Kubernetes' format (base64url JSON {"v":"meta.k8s.io/v1","rv":N,"start":KEY}),
// with the start key relative to the listed prefix. Clients may send anything here, so decoding
// refuses what a server never issues: bad base64 or JSON, rv 0, an empty start, path tricks ("..",
// "//") and keys of other resources. The start key comes back joined to the list's own prefix, so
// a token can never range outside it.

import { badRequest } from '../../api/errors.js';

const VERSION = 'meta.k8s.io/v1';
/** rv -1: continue at the newest revision (issued when the token's own revision was compacted). */
export const LATEST = -1;

export interface Continue {
  /** The key to start strictly after (absolute, inside the list's prefix). */
  after: string;
  /** Revision to read at; LATEST (or any negative) means the newest. */
  rv: number;
}

export function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  if (!lastKey.startsWith(prefix)) throw new Error(`key ${lastKey} is outside ${prefix}`);
  return Buffer.from(JSON.stringify({ v: VERSION, rv, start: lastKey.slice(prefix.length) })).toString('base64url');
}

const invalid = (why?: string) => badRequest(`invalid continue token: continue key is not valid${why ? `: ${why}` : ''}`);

/** Strict unpadded base64url (Node's decoder skips bad characters silently). */
function base64url(s: string): Buffer {
  const bad = /[^A-Za-z0-9_-]/.exec(s);
  if (bad) throw invalid(`illegal base64 data at input byte ${bad.index}`);
  if (s.length % 4 === 1) throw invalid(`illegal base64 data at input byte ${s.length - 1}`);
  return Buffer.from(s, 'base64url');
}

export function decodeContinue(token: string, prefix: string): Continue {
  let t: unknown;
  try {
    t = JSON.parse(base64url(token).toString('utf8'));
  } catch (e) {
    if ((e as { code?: number }).code === 400) throw e;
    throw invalid((e as Error).message);
  }
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw invalid('not a JSON object');
  const { v, rv, start } = t as Record<string, unknown>;
  if (v !== VERSION) throw badRequest(`invalid continue token: continue key is not valid: server does not recognize this encoded version ${typeof v === 'string' ? v : ''}`);
  if (rv !== undefined && (typeof rv !== 'number' || !Number.isSafeInteger(rv))) throw invalid('rv is not an integer');
  if (!rv) throw badRequest(`invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version ${VERSION})`);
  if (start !== undefined && typeof start !== 'string') throw invalid('start is not a string');
  if (!start) throw badRequest(`invalid continue token: continue key is not valid: encoded start key empty (version ${VERSION})`);
  let rel = start;
  // Tokens from before start keys were relative carried the whole key: accept those, but only inside
  // this list's prefix. Any other absolute key names another resource or namespace.
  if (rel.startsWith('/')) {
    if (!rel.startsWith(prefix)) throw invalid(rel);
    rel = rel.slice(prefix.length);
  }
  // Like Kubernetes' path.Clean check: no empty, "." or ".." segments, so the key stays under prefix.
  if (rel !== '' && rel.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) throw invalid(start);
  if (rel.includes('\u0000')) throw invalid(start);
  return { after: prefix + rel, rv };
}
