// The objects of one namespaced kind, in memory and by namespace, for admission plugins that read
// them on every write (LimitRanges, ResourceQuotas): listing them from the store per pod create
// would cost a store read per write. Filled by one list, then kept current by the kind's watch hub
// (storage/watched-kind.ts); this server's own writes land at once (wrote()). Until it is ready,
// reads go to the store.

import type { KObject } from '../../api/kind.js';
import type { Logger } from '../../util/log.js';
import type { Objects } from '../storage/objects.js';
import type { WatchHub } from '../storage/watch-hub.js';
import { WatchedKind } from '../storage/watched-kind.js';

const revisionOf = (o: KObject) => Number(o.metadata?.resourceVersion ?? 0);

export class NamespacedCache {
  private byNamespace = new Map<string, Map<string, KObject>>();
  private watched: WatchedKind;

  constructor(
    private objects: () => Objects,
    hub: () => Promise<WatchHub>,
    log: Logger,
    what: string,
  ) {
    this.watched = new WatchedKind({
      what,
      objects,
      hub,
      log,
      sink: {
        clear: () => this.byNamespace.clear(),
        put: (o) => this.put(o),
        remove: (o, revision) => this.remove(o, revision),
      },
    });
  }

  start(): Promise<void> {
    return this.watched.start();
  }

  close() {
    this.watched.close();
  }

  /** The namespace's objects (frozen by convention: copy before changing). */
  async list(namespace: string): Promise<KObject[]> {
    void this.start();
    if (this.watched.ready) return [...(this.byNamespace.get(namespace)?.values() ?? [])];
    return (await this.objects().list(namespace)).items;
  }

  /** An object this server just wrote (deleted: as it was). */
  wrote(obj: KObject, deleted = false) {
    if (deleted) this.remove(obj, revisionOf(obj));
    else this.put(obj);
  }

  private put(o: KObject) {
    const ns = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    let m = this.byNamespace.get(ns);
    const held = m?.get(name);
    if (held && revisionOf(held) >= revisionOf(o)) return;
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(name, o);
  }

  private remove(o: KObject, revision: number) {
    const ns = o.metadata?.namespace ?? '';
    const m = this.byNamespace.get(ns);
    const held = m?.get(o.metadata?.name ?? '');
    if (!m || !held || revisionOf(held) > revision) return;
    m.delete(o.metadata?.name ?? '');
    if (m.size === 0) this.byNamespace.delete(ns);
  }
}
