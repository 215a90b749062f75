// WATCH: a stream of newline-delimited JSON events from a resourceVersion, with initial events for
// fresh watches, selector transitions (an object leaving a selector is DELETED for that watcher),
// bookmarks, timeouts, Table-encoded events for `kubectl get -w`, and 410 Expired when too old.

import { apiVersionOf, type KObject } from '../../api/kind.js';
import { toTable } from '../../api/table.js';
import { StoreError } from '../../store/types.js';
import { type RequestContext, sliceTurn } from '../context.js';
import { ApiError, badRequest, gone, internalError } from '../../api/errors.js';
import { wantsAs } from '../respond.js';
import { buildFilter } from '../selectors.js';
import type { HubEvent } from '../storage/watch-hub.js';
import { collectionPrefix } from '../storage/keys.js';
import { storedJsonWithResourceVersion } from '../storage/stored-json.js';
import { eventAs, eventsAs, serializationKey, versionViewOf } from '../storage/versions.js';
import { schemaKey, withReadDefaults } from './watch-defaults.js';
import { includeObjectOf, listAllPages } from './list.js';
import { parseListQuery } from '../list/options.js';
import { waitForRevision } from '../list/fresh.js';
import { metrics } from '../../util/metrics.js';

const activeWatches = metrics.gauge('apiserver_registered_watchers', 'Number of currently open watches, by resource.');
/** A client this far behind (bytes buffered) is cut off; it will re-watch from its last resourceVersion. */
const MAX_BUFFERED = 16 * 1024 * 1024;

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Batches of events a watch may hold while a conversion webhook answers (handlers/watch.ts). */
const MAX_QUEUED_CONVERSIONS = 1000;

export async function handleWatch(rc: RequestContext) {
  const { req, res, query, def, info } = rc;
  const filter = buildFilter(rc);
  const asTable = wantsAs(req, 'Table');
  const includeObject = asTable ? includeObjectOf(rc) : 'Object';
  const q = parseListQuery(query, true);
  const bookmarks = q.allowWatchBookmarks;
  const rvParam = q.resourceVersion;
  const sendInitial = q.sendInitialEvents;
  if (sendInitial === true && !bookmarks) throw badRequest('sendInitialEvents requires allowWatchBookmarks=true');
  const timeout = q.timeoutSeconds ?? 0;

  const hub = await rc.api.hub(def);
  const prefix = collectionPrefix(def, info.namespace);
  const wantInitial = sendInitial === true || (sendInitial === undefined && q.rv === 0);
  // A watch-list (initial events) not older than a resourceVersion waits for the store to reach it,
  // and fails like Kubernetes' watch cache after 3 s: an ERROR event carrying the 504 Status.
  let tooNew: ApiError | undefined;
  if (sendInitial === true && q.rv > 0)
    await waitForRevision(rc.api.store, q.rv, rc.api.timings.listFreshWaitMs).catch((e) => {
      if (e instanceof ApiError) tooNew = e;
      else throw e;
    });

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  let closed = false;
  const labels = { group: def.group, resource: def.plural };
  activeWatches.inc(labels);
  const timers: NodeJS.Timeout[] = [];
  let sub: { close(): void } | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    activeWatches.dec(labels);
    sub?.close();
    for (const t of timers) clearInterval(t);
    res.end();
  };
  req.on('close', close);
  res.on('error', close);

  const render = (type: EventType, obj: KObject): string => {
    if (!asTable || type === 'BOOKMARK' || type === 'ERROR') return JSON.stringify({ type, object: obj }) + '\n';
    return JSON.stringify({ type, object: toTable(def, [obj], { includeObject }) }) + '\n';
  };
  // An event sent as stored (no version conversion, no read defaults): its stored text with the
  // revision spliced in is the same bytes as encoding the decoded object, without a whole pass.
  const renderShared = (e: HubEvent, obj: KObject): string => {
    const json = !view && !def.custom && e.value !== undefined ? storedJsonWithResourceVersion(e.value, e.revision) : undefined;
    return json === undefined ? render(e.type, obj) : `{"type":"${e.type}","object":${json}}\n`;
  };
  const write = (text: string) => {
    if (closed) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED) {
      rc.api.log.warn('watch client too slow; closing its watch', { resource: def.plural, user: rc.user.name });
      close();
    }
  };
  let lastRv = 0;
  const bookmark = (rv: number, annotations?: Record<string, string>) => write(render('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) } }));

  // Hub events are in the stored form: a kind served at several versions is converted to this one,
  // before selectors see it (they are evaluated on the requested version).
  const view = versionViewOf(def);
  const onEvents = (events: HubEvent[]) => {
    if (view?.async) return onEventsConverting(events);
    for (const e of events) emit(e, eventAs(view, e));
  };
  // A conversion that calls out (a CRD's conversion webhook) waits: batches go through in order,
  // one ConversionReview each, and one that cannot be converted ends the watch with an ERROR event
  // (500, "conversion webhook for ... failed"), as Kubernetes' watch does.
  let converting: Promise<void> = Promise.resolve();
  let queued = 0;
  const onEventsConverting = (events: HubEvent[]) => {
    const fresh = events.filter((e) => e.revision > from);
    if (!fresh.length || !view) return;
    // Bounded: a webhook slower than the changes would otherwise queue without end.
    if (++queued > MAX_QUEUED_CONVERSIONS) {
      rc.api.log.warn('conversion webhook too slow for a watch; closing it', { resource: def.plural, user: rc.user.name });
      return close();
    }
    converting = converting.then(async () => {
      queued--;
      if (closed) return;
      try {
        const evs = await eventsAs(view, fresh);
        for (const [i, e] of fresh.entries()) emit(e, evs[i]);
      } catch (err) {
        if (closed) return;
        const status = err instanceof ApiError ? err.toStatus() : internalError(err).toStatus();
        write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
        close();
      }
    });
  };
  const emit = (e: HubEvent, converted: { object: KObject; old?: KObject }) => {
    // From a resourceVersion ahead of the store, the hub hands over events up to it too: skip them.
    if (e.revision <= from) return;
    lastRv = e.revision;
    const ev = withReadDefaults(def, converted);
    let type: EventType = e.type;
    if (filter) {
      const now = filter(ev.object);
      const before = e.type === 'MODIFIED' && ev.old ? filter(ev.old) : e.type === 'MODIFIED' ? false : now;
      if (e.type === 'MODIFIED') {
        if (now && !before) type = 'ADDED';
        else if (!now && before) type = 'DELETED';
        else if (!now) return;
      } else if (!now) return;
    }
    if (!asTable && type === e.type) {
      // Shared serialization: each event is encoded once for all plain watchers.
      e.cache ??= new Map();
      const key = serializationKey(view, type) + schemaKey(def);
      let text = e.cache.get(key);
      if (!text) e.cache.set(key, (text = renderShared(e, ev.object)));
      write(text);
    } else {
      write(render(type, ev.object));
    }
  };
  const onError = (err: Error) => {
    if (closed) return;
    const status = err instanceof StoreError && err.code === 'Compacted' ? gone(`too old resource version: ${rvParam} (${err.message})`).toStatus() : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: 'InternalError', code: 500 };
    write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    close();
  };

  let from = 0;
  if (tooNew) {
    write(JSON.stringify({ type: 'ERROR', object: tooNew.toStatus() }) + '\n');
    return close();
  }
  if (wantInitial) {
    // Start from the current state: every matching object as ADDED, then changes after that list.
    // Read and written a page at a time, so a big collection does not hold the event loop.
    from = await rc.api.store.currentRevision();
    for await (const page of listAllPages(rc)) {
      from = page.revision;
      for (const obj of page.items) {
        if (closed) return;
        await sliceTurn(rc); // the decode before and each render are whole passes over an object
        write(render('ADDED', obj));
      }
    }
    if (sendInitial === true) bookmark(from, { 'k8s.io/initial-events-end': 'true' });
  } else {
    // sendInitialEvents=false without a resourceVersion: from now, not from the start of history.
    from = q.rv > 0 ? q.rv : await rc.api.store.currentRevision();
  }
  lastRv = from;
  if (closed) return;
  try {
    sub = hub.subscribe(from, prefix, onEvents, onError);
  } catch (e) {
    onError(e as Error);
    return;
  }
  if (bookmarks) {
    timers.push(setInterval(() => bookmark(lastRv), rc.api.timings.watchBookmarkIntervalMs));
  }
  if (timeout > 0) timers.push(setTimeout(close, timeout * 1000));
}
