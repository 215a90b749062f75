// The webhook configurations of one kind (mutating or validating), compiled and kept in memory from
// the kind's watch (storage/watched-kind.ts), so a new or changed configuration takes effect as soon
// as its watch event arrives, and admission reads no storage. Webhooks are listed in Kubernetes'
// order: configurations by name, then each configuration's webhooks in their order.

import type { KObject } from '../../api/kind.js';
import type { Logger } from '../../util/log.js';
import type { Objects } from '../storage/objects.js';
import type { WatchHub } from '../storage/watch-hub.js';
import { WatchedKind } from '../storage/watched-kind.js';
import { type CompiledWebhook, compileWebhook } from './matching.js';

export class WebhookConfigCache {
  private byConfig = new Map<string, CompiledWebhook[]>();
  private ordered: CompiledWebhook[] = [];
  private watched?: WatchedKind;

  /** For tests and for a server without storage: set the configurations directly. */
  set(configs: KObject[]) {
    this.byConfig.clear();
    for (const c of configs) this.put(c, false);
    this.reorder();
  }

  /** Follows the kind's storage. */
  watch(objects: () => Objects, hub: () => Promise<WatchHub>, log: Logger, what: string): Promise<void> {
    this.watched = new WatchedKind({
      what,
      objects,
      hub,
      log,
      sink: {
        clear: () => {
          this.byConfig.clear();
          this.reorder();
        },
        put: (o) => this.put(o, true),
        remove: (o) => {
          this.byConfig.delete(o.metadata?.name ?? '');
          this.reorder();
        },
      },
    });
    return this.watched.start();
  }

  close() {
    this.watched?.close();
  }

  /** Every webhook, in calling order. */
  webhooks(): readonly CompiledWebhook[] {
    return this.ordered;
  }

  private put(o: KObject, reorder: boolean) {
    const name = o.metadata?.name ?? '';
    const list = Array.isArray((o as { webhooks?: unknown }).webhooks) ? ((o as { webhooks: unknown[] }).webhooks ?? []) : [];
    this.byConfig.set(
      name,
      list.map((w) => compileWebhook(name, w)),
    );
    if (reorder) this.reorder();
  }

  private reorder() {
    this.ordered = [...this.byConfig.keys()].sort().flatMap((k) => this.byConfig.get(k) ?? []);
  }
}
