// Namespace labels for webhooks' namespaceSelectors, kept in memory from the namespaces' watch as
// Kubernetes' namespace lister keeps them, so matching a request reads no storage. A namespace the
// cache does not know yet (created a moment ago) is read from storage.

import type { ApiState } from '../context.js';
import { WatchedKind } from '../storage/watched-kind.js';

export class NamespaceLabels {
  private labels = new Map<string, Record<string, string>>();
  private watched?: WatchedKind;

  constructor(private state: ApiState) {}

  start(): Promise<void> {
    const def = this.state.registry.byResource('', 'v1', 'namespaces');
    if (!def) return Promise.resolve();
    this.watched = new WatchedKind({
      what: 'webhook namespace labels',
      objects: () => this.state.objects(def),
      hub: () => this.state.hub(def),
      log: this.state.log,
      sink: {
        clear: () => this.labels.clear(),
        put: (o) => this.labels.set(o.metadata?.name ?? '', o.metadata?.labels ?? {}),
        remove: (o) => this.labels.delete(o.metadata?.name ?? ''),
      },
    });
    return this.watched.start();
  }

  close() {
    this.watched?.close();
  }

  async get(name: string): Promise<Record<string, string> | undefined> {
    if (!name) return undefined;
    const known = this.watched?.ready ? this.labels.get(name) : undefined;
    if (known) return known;
    const def = this.state.registry.byResource('', 'v1', 'namespaces');
    const ns = def ? await this.state.objects(def).get(undefined, name) : null;
    return ns?.obj.metadata?.labels;
  }
}
