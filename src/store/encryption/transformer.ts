// Values to and from the store for one EncryptionConfiguration: which keys are encrypted (by their
// resource, read from the key /registry/{group|core}/{plural}/...), sealing with the rule's first
// provider and opening with whichever provider's prefix the stored value carries.

import { matchesResource, type EncryptionConfig } from './config.js';
import type { Provider } from './providers.js';

export interface Opened {
  value: string;
  /** Not written by the rule's first provider: a rewrite would encrypt it with the current key. */
  stale: boolean;
}

const ENCRYPTED = 'k8s:enc:';

/** The resource a store key belongs to, or undefined for keys outside /registry/. */
export function resourceOfKey(key: string): { group: string; plural: string } | undefined {
  const parts = key.split('/');
  if (parts[0] !== '' || parts[1] !== 'registry' || parts.length < 4) return undefined;
  return { group: parts[2] === 'core' ? '' : parts[2], plural: parts[3] };
}

export class ValueTransformer {
  private cache = new Map<string, Provider[] | null>();

  constructor(readonly config: EncryptionConfig) {}

  /** The providers for the resource of this key (the first rule that names it), or null: stored as is. */
  providersFor(key: string): Provider[] | null {
    const r = resourceOfKey(key);
    if (!r) return null;
    const id = `${r.group}/${r.plural}`;
    let ps = this.cache.get(id);
    if (ps === undefined) {
      ps = this.config.rules.find((rule) => rule.resources.some((p) => matchesResource(p, r.plural, r.group)))?.providers ?? null;
      // Bounded: only resources the server serves reach here, but a hostile key must not grow it forever.
      if (this.cache.size < 10_000) this.cache.set(id, ps);
    }
    return ps;
  }

  /** Whether values of this key's resource pass a provider other than identity. */
  encrypts(key: string): boolean {
    return (this.providersFor(key) ?? []).some((p) => p.type !== 'identity');
  }

  toStorage(key: string, value: string): string {
    const ps = this.providersFor(key);
    if (!ps) return value;
    const p = ps[0];
    if (p.type === 'identity') return value;
    // The store holds text: the sealed bytes travel as base64 after Kubernetes' prefix.
    return p.prefix + p.seal(Buffer.from(value), key).toString('base64');
  }

  /** Throws an Error (worded like Kubernetes') when no provider can open the value. */
  fromStorage(key: string, stored: string): Opened {
    const ps = this.providersFor(key);
    if (!ps) return { value: stored, stale: false };
    let firstError: Error | undefined;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if (p.type === 'identity') {
        if (stored.startsWith(ENCRYPTED)) {
          firstError ??= new Error('identity transformer tried to read encrypted data');
          continue;
        }
        return { value: stored, stale: i !== 0 };
      }
      if (!stored.startsWith(p.prefix)) continue;
      try {
        const opened = p.open(Buffer.from(stored.slice(p.prefix.length), 'base64'), key).toString('utf8');
        return { value: opened, stale: i !== 0 };
      } catch (e) {
        firstError ??= new Error(`failed to decrypt with the ${p.type} key ${JSON.stringify(p.keyName)}: ${(e as Error).message}`);
      }
    }
    throw firstError ?? new Error('no matching prefix found');
  }
}
