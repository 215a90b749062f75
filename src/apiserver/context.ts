// What every handler gets: the server-wide state (store, kinds, watch hubs) and the request at hand.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDef } from '../api/kind.js';
import type { KindRegistry } from '../api/registry.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../util/log.js';
import type { ResourceRequest } from './request-info.js';
import { Objects } from './storage/objects.js';
import { WatchHub } from './storage/watch-hub.js';
import { resourcePrefix } from './storage/keys.js';
import { AdmissionChain } from './admission/chain.js';
import { alwaysAllow } from './authz/chain.js';
import type { Authorizer } from './authz/types.js';
import type { TokenAuthenticator } from './authn.js';
import { Slicer } from '../util/event-loop-slice.js';

export interface UserInfo {
  name: string;
  /** Set by authenticators that know one (service account tokens, OIDC's sub when configured). */
  uid?: string;
  groups: string[];
  /** Extra attributes (e.g. authentication.kubernetes.io/pod-name), passed on to authorizers and webhooks. */
  extra?: Record<string, string[]>;
}

/** A handler of a subresource (pods/log, pods/binding...) or a virtual create (reviews) the API
 *  server serves itself: see served-subresources.ts. */
export type SubresourceHandler = (rc: RequestContext) => Promise<void>;

export class ApiState {
  private objectsByKind = new Map<string, Objects>();
  private hubs = new Map<string, WatchHub>();
  /** Storage with side effects for some resources, by resource prefix (Services allocate IPs and node ports: services/). */
  readonly storageOverrides = new Map<string, (store: Store, def: KindDef) => Objects>();
  /** Admission plugins every write passes (admission/chain.ts). */
  readonly admission = new AdmissionChain();
  /** Decides every authenticated request (authz/); the server's options set it. */
  authorizer: Authorizer = alwaysAllow;
  /** Timings tests shorten (server options; defaults as Kubernetes'). */
  readonly timings = { watchBookmarkIntervalMs: 30_000, listFreshWaitMs: 3000 };
  /** Bearer token authenticators, in order (authn.ts); TokenReview asks the same list. */
  readonly tokenAuthenticators: TokenAuthenticator[] = [];
  /** Work done once the server listens and before /readyz says ok (the RBAC bootstrap policy and caches), in order. */
  readonly postStartHooks: { name: string; run: () => Promise<void> }[] = [];
  /** Subresources served by a handler of their own, by `group/plural/subresource` (served-subresources.ts). */
  readonly subresources = new Map<string, SubresourceHandler>();
  /** Create-only resources the API server answers itself and never stores (access reviews,
   *  TokenReview, bindings), by `group/plural`. */
  readonly virtualCreates = new Map<string, SubresourceHandler>();

  constructor(
    readonly store: Store,
    readonly registry: KindRegistry,
    readonly log: Logger,
  ) {}

  objects(def: KindDef): Objects {
    const k = resourcePrefix(def);
    // One Objects per served version: each converts to its own (storage/versions.ts).
    const slot = def.conversion ? `${k}${def.version}` : k;
    let o = this.objectsByKind.get(slot);
    if (!o || o.def !== def) {
      const make = this.storageOverrides.get(k);
      this.objectsByKind.set(slot, (o = make ? make(this.store, def) : new Objects(this.store, def)));
    }
    return o;
  }

  /** The watch hub of a resource, started on first use. Hubs are shared by all versions of a resource. */
  async hub(def: KindDef): Promise<WatchHub> {
    const k = resourcePrefix(def);
    let h = this.hubs.get(k);
    if (!h) {
      h = new WatchHub(this.store, k, this.log.child({ hub: k }));
      this.hubs.set(k, h);
      await h.start();
    }
    return h;
  }

  /** Called after this server compacted the store. */
  compacted(rev: number) {
    for (const h of this.hubs.values()) h.compacted(rev);
  }

  allHubs(): WatchHub[] {
    return [...this.hubs.values()];
  }

  close() {
    for (const h of this.hubs.values()) h.close();
    this.hubs.clear();
  }
}

export interface RequestContext {
  api: ApiState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  info: ResourceRequest;
  def: KindDef;
  user: UserInfo;
  /** Warning headers to send (unknown fields under fieldValidation=Warn, deprecations). */
  warnings: string[];
  /** This request's share of the event loop: see sliceTurn. */
  slicer?: Slicer;
}

/** A checkpoint between whole-object passes of a request: a large object's write is many short
 *  slices of the event loop, not one long block (util/event-loop-slice.ts). */
export function sliceTurn(rc: RequestContext): Promise<void> | undefined {
  return slicerOf(rc).turn();
}

/** The request's slicer, for work that checks it itself (the list writer flushes before a turn). */
export function slicerOf(rc: RequestContext): Slicer {
  rc.slicer ??= new Slicer();
  return rc.slicer;
}

/** Warning header values, formatted as Kubernetes does: `299 - "message"`. */
export function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return {
    Warning: boundedWarnings(warnings)
      .map((w) => `299 - ${JSON.stringify(w)}`)
      .join(', '),
  };
}

/** All warnings together at most this many characters (Kubernetes' limit: clients' header buffers are finite). */
export const MAX_WARNINGS_TOTAL = 4096;
/** Past the total, each warning is cut to this many characters, and those that still do not fit are left out. */
export const MAX_WARNING_LENGTH = 256;

/** Duplicates dropped; over the total, warnings truncated and then dropped, as Kubernetes' warning recorder does. */
export function boundedWarnings(warnings: string[]): string[] {
  const unique = [...new Set(warnings)];
  if (unique.reduce((n, w) => n + w.length, 0) <= MAX_WARNINGS_TOTAL) return unique;
  const out: string[] = [];
  let total = 0;
  for (const w of unique) {
    const cut = w.length > MAX_WARNING_LENGTH ? `${w.slice(0, MAX_WARNING_LENGTH - 3)}...` : w;
    if (total + cut.length > MAX_WARNINGS_TOTAL) break;
    out.push(cut);
    total += cut.length;
  }
  return out;
}
