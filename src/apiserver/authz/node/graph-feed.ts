// Keeps a NodeGraph current from the store, as Kubernetes' node authorizer does from its informers:
// pods and PVCs are listed once (in pages, at one revision), then followed through their watch hubs
// (storage/watched-kind.ts). A lost watch clears that kind's part of the graph at once and rebuilds
// it: meanwhile the graph knows less, so the authorizer refuses more (it fails closed), never the reverse.

import type { Logger } from '../../../util/log.js';
import type { ApiState } from '../../context.js';
import { type KindSink, WatchedKind } from '../../storage/watched-kind.js';
import { NodeGraph } from './graph.js';

export class NodeGraphFeed {
  readonly graph = new NodeGraph();
  private kinds: WatchedKind[];

  constructor(state: ApiState, log: Logger, retryMs = 1000, /** Objects per list page while (re)building. */ pageSize = 500) {
    const pods = state.registry.byResource('', 'v1', 'pods');
    const pvcs = state.registry.byResource('', 'v1', 'persistentvolumeclaims');
    if (!pods || !pvcs) throw new Error('pods or persistentvolumeclaims are not served');
    const g = this.graph;
    const watched = (what: string, def: typeof pods, sink: KindSink) => new WatchedKind({ what: `node authorizer graph (${what})`, objects: () => state.objects(def), hub: () => state.hub(def), sink, log, retryMs, pageSize, forgetOnLoss: true });
    this.kinds = [watched('pods', pods, { clear: () => g.clearPods(), put: (o) => g.setPod(o), remove: (o) => g.removePod(o) }), watched('persistentvolumeclaims', pvcs, { clear: () => g.clearPvcs(), put: (o) => g.setPvc(o), remove: (o) => g.removePvc(o) })];
  }

  isReady() {
    return this.kinds.every((k) => k.ready);
  }

  /** Fills the graph (both kinds); a kind that fails is retried on its own. */
  async start(): Promise<void> {
    await Promise.all(this.kinds.map((k) => k.start()));
  }

  close() {
    for (const k of this.kinds) k.close();
  }
}
