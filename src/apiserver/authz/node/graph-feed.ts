// Keeps a NodeGraph current from the store, as Kubernetes' node authorizer does from its informers:
// pods and PVCs are listed once (in pages, at one revision), then followed through their watch hubs.
// A lost watch clears the graph and rebuilds it: meanwhile the graph knows less, so the authorizer
// refuses more (it fails closed), never the reverse.

import type { KObject } from '../../../api/kind.js';
import type { Logger } from '../../../util/log.js';
import type { ApiState } from '../../context.js';
import type { HubEvent } from '../../storage/watch-hub.js';
import { NodeGraph } from './graph.js';

export class NodeGraphFeed {
  readonly graph = new NodeGraph();
  private subs: { close(): void }[] = [];
  private closed = false;
  private ready = false;

  constructor(
    private state: ApiState,
    private log: Logger,
    private retryMs = 1000,
    /** Objects per list page while (re)building. */
    private pageSize = 500,
  ) {}

  isReady() {
    return this.ready;
  }

  async start(): Promise<void> {
    try {
      await this.build();
    } catch (e) {
      this.log.warn('node authorizer graph could not start; retrying', { err: e });
      this.rebuildLater();
    }
  }

  close() {
    this.closed = true;
    for (const s of this.subs) s.close();
    this.subs = [];
  }

  private async build() {
    const pods = this.state.registry.byResource('', 'v1', 'pods');
    const pvcs = this.state.registry.byResource('', 'v1', 'persistentvolumeclaims');
    if (!pods || !pvcs) throw new Error('pods or persistentvolumeclaims are not served');
    this.graph.clear();
    for (const [def, set, remove] of [
      [pods, (o: KObject) => this.graph.setPod(o), (o: KObject) => this.graph.removePod(o)],
      [pvcs, (o: KObject) => this.graph.setPvc(o), (o: KObject) => this.graph.removePvc(o)],
    ] as const) {
      const hub = await this.state.hub(def);
      const objects = this.state.objects(def);
      let page = await objects.list(undefined, { limit: this.pageSize });
      const revision = page.revision;
      for (;;) {
        for (const o of page.items) set(o);
        if (!page.continueKey || this.closed) break;
        page = await objects.list(undefined, { revision, limit: this.pageSize, continueKey: page.continueKey });
      }
      if (this.closed) return;
      const apply = (evs: HubEvent[]) => {
        for (const e of evs) (e.type === 'DELETED' ? remove : set)(e.object);
      };
      this.subs.push(
        hub.subscribe(revision, hub.prefix, apply, (err) => {
          this.log.warn('node authorizer graph lost its watch; rebuilding', { err });
          this.rebuildLater();
        }),
      );
    }
    this.ready = true;
  }

  private rebuildLater() {
    this.ready = false;
    for (const s of this.subs) s.close();
    this.subs = [];
    this.graph.clear();
    if (this.closed) return;
    setTimeout(() => {
      if (!this.closed) void this.start();
    }, this.retryMs).unref();
  }
}
