// Key rotation's second step: rewrite every stored value of the encrypted resources whose value was
// not written with the current first provider (a new key, or plain values from before encryption
// was turned on), each with a conditional update so a concurrent write is never overwritten.

import { ConflictError, NotFoundError, type Store } from '../types.js';
import type { ValueTransformer } from './transformer.js';

export interface ReencryptResult {
  rewritten: number;
  current: number;
  /** Keys whose value no provider could open (left as they are). */
  failed: { key: string; error: string }[];
}

/** `store` is the raw (inner) store: values are read and written as stored. */
export async function reencryptAll(store: Store, t: ValueTransformer, onProgress?: (key: string) => void): Promise<ReencryptResult> {
  const result: ReencryptResult = { rewritten: 0, current: 0, failed: [] };
  let continueKey: string | undefined;
  let revision: number | undefined;
  for (;;) {
    const page = await store.list('/registry/', { limit: 500, continueKey, revision });
    revision = page.revision;
    for (const kv of page.items) {
      if (!t.providersFor(kv.key)) continue;
      let cur = kv;
      for (let attempt = 0; ; attempt++) {
        let opened: ReturnType<ValueTransformer['fromStorage']>;
        try {
          opened = t.fromStorage(cur.key, cur.value);
        } catch (e) {
          result.failed.push({ key: cur.key, error: (e as Error).message });
          break;
        }
        if (!opened.stale) {
          result.current++;
          break;
        }
        try {
          await store.update(cur.key, t.toStorage(cur.key, opened.value), cur.modRevision);
          result.rewritten++;
          onProgress?.(cur.key);
          break;
        } catch (e) {
          if (e instanceof NotFoundError) break;
          if (!(e instanceof ConflictError) || attempt >= 5) throw e;
          // Written meanwhile (by the API server, with the current key most likely): look again.
          const fresh = await store.get(cur.key);
          if (!fresh) break;
          cur = fresh;
        }
      }
    }
    if (!page.continueKey) break;
    continueKey = page.continueKey;
  }
  return result;
}
