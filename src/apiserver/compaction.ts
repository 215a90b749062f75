// Periodic compaction, as kube-apiserver does: at each tick compact to the revision seen at the
// previous tick, so at least one interval of history stays for watchers to resume from. Older
// resourceVersions then get 410 Gone and clients relist.

import type { Store } from '../store/types.js';
import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';

const compactions = metrics.counter('apiserver_storage_compactions_total', 'Store compactions run by this API server.');

export function startCompaction(store: Store, log: Logger, intervalMs: number, onCompacted: (rev: number) => void = () => {}): () => void {
  let previous = 0;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const current = await store.currentRevision();
      if (previous > 0 && previous > (await store.compactedRevision())) {
        await store.compact(previous);
        compactions.inc();
        onCompacted(previous);
        log.debug('compacted store', { revision: previous });
      }
      previous = current;
    } catch (e) {
      // Another API server compacting the same etcd first is fine; anything else is worth a line.
      log.warn('compaction failed', { err: e });
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
