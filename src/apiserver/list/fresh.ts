// A read "not older than" a resourceVersion the store has not reached yet: Kubernetes waits up to 3 s
// for its watch cache to catch up, then answers 504 Too large resource version. The store here is
// read directly, so the wait is for it (another API server's write on a shared etcd, or a client that
// saw a revision a moment before this server did); a forged huge number just costs a few polls.

import type { Store } from '../../store/types.js';
import { tooLargeResourceVersion } from '../../api/errors.js';

/** Resolves with the current revision once it is >= rv; throws the 504 after waitMs. */
export async function waitForRevision(store: Store, rv: number, waitMs: number): Promise<number> {
  let current = await store.currentRevision();
  if (current >= rv) return current;
  const deadline = Date.now() + waitMs;
  for (let delay = 25; Date.now() < deadline; delay = Math.min(delay * 2, 400)) {
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    current = await store.currentRevision();
    if (current >= rv) return current;
  }
  throw tooLargeResourceVersion(rv, current);
}
