// The issuer's signing keys: its discovery document names the JWKS URL, the JWKS holds the public
// keys. Fetched lazily (start-up never waits for the provider), cached, refreshed now and then, and
// refetched when a token names a key id the cache lacks (the provider rotated its keys). Refetches
// are single-flight and spaced, so a flood of tokens with made-up key ids cannot flood the provider.

import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import { fetchJson, type FetchOptions } from './oidc-fetch.js';

export interface IssuerKeysOptions extends FetchOptions {
  /** Least time between refetches caused by unknown key ids. */
  refetchIntervalMs: number;
  /** Keys older than this are refreshed on the next token. */
  maxAgeMs: number;
  /** After a failed fetch, tokens fail without a new attempt for this long. */
  retryAfterMs: number;
  /** Told why a fetch failed (at most once a minute). */
  onError?: (message: string) => void;
}

type KeyGetter = ReturnType<typeof createLocalJWKSet>;

export class IssuerKeys {
  private jwksUri?: string;
  private keys?: KeyGetter;
  private fetchedAt = 0;
  private failedAt = 0;
  private inflight?: Promise<void>;
  private lastReported = 0;

  constructor(
    readonly issuer: string,
    private readonly o: IssuerKeysOptions,
  ) {}

  /** jose's key lookup: the key the token's header names, refetching the set once if it is unknown. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (!this.keys || Date.now() - this.fetchedAt > this.o.maxAgeMs) await this.refresh();
    if (!this.keys) throw new Error('the issuer is not reachable');
    try {
      return await this.keys(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey) || Date.now() - this.fetchedAt < this.o.refetchIntervalMs) throw e;
      await this.refresh();
      return this.keys(header, token);
    }
  };

  /** Fetch discovery (once it worked, it is kept) and the JWKS; at most one fetch at a time. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (Date.now() - this.failedAt < this.o.retryAfterMs) return Promise.resolve();
    this.inflight = this.fetchKeys()
      .catch((e: Error) => {
        this.failedAt = Date.now();
        if (this.failedAt - this.lastReported >= 60_000) {
          this.lastReported = this.failedAt;
          this.o.onError?.(e.message);
        }
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys() {
    if (!this.jwksUri) {
      const doc = (await fetchJson(`${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, this.o)) as { issuer?: unknown; jwks_uri?: unknown } | null;
      // As Kubernetes (go-oidc): the document must name exactly the configured issuer.
      if (!doc || doc.issuer !== this.issuer) throw new Error(`the discovery document names issuer ${JSON.stringify(doc?.issuer)}, not ${this.issuer}`);
      if (typeof doc.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
      this.jwksUri = doc.jwks_uri;
    }
    const set = (await fetchJson(this.jwksUri, this.o)) as JSONWebKeySet;
    if (!set || !Array.isArray(set.keys)) throw new Error('the JWKS has no keys');
    this.keys = createLocalJWKSet(set);
    this.fetchedAt = Date.now();
  }
}
