// ControllerRevisions for StatefulSets and DaemonSets, as Kubernetes keeps them: each distinct pod
// template is stored once as a strategic-merge patch `{spec:{template:{..., $patch: replace}}}`
// named `<owner>-<hash>`, numbered in order of use; re-applying an old template renumbers its
// revision instead of duplicating it (that is what makes `kubectl rollout undo` work), and the
// history is truncated to revisionHistoryLimit, never dropping a revision a live pod still runs.

import type { PodTemplateSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { deepEqual } from '../../util/equal.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import { revisionHash } from './hash.js';
import { ownedBy, ownerRefTo } from './pod-state.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

export interface RevisionState {
  current: KObject;
  update: KObject;
  /** Every revision of the owner after the sync, oldest first. */
  all: KObject[];
  collisionCount: number;
}

export const revisionNumber = (r: KObject) => Number(r.revision ?? 0);
export const sortRevisions = (rs: KObject[]) => [...rs].sort((a, b) => revisionNumber(a) - revisionNumber(b) || (a.metadata!.name! < b.metadata!.name! ? -1 : 1));

/** The patch a revision stores: the whole template, replacing whatever was there. */
export function templatePatch(template: unknown): Record<string, unknown> {
  return { spec: { template: { ...(template as object), $patch: 'replace' } } };
}

/** The pod template a revision stores. */
export function templateOf(revision: KObject): Record<string, unknown> {
  const t = { ...(((revision.data as { spec?: { template?: object } })?.spec?.template ?? {}) as Record<string, unknown>) };
  delete t.$patch;
  return t;
}

/**
 * Makes sure a revision of the owner's current template exists and is the newest, and returns the
 * current and update revisions. `existing` is every ControllerRevision in the owner's namespace
 * (from an informer); `currentName` is status.currentRevision.
 */
export async function syncRevisions(client: RestClient, owner: KObject, kind: OwnerKind, template: unknown, existing: KObject[], currentName: string | undefined): Promise<RevisionState> {
  const ns = owner.metadata!.namespace!;
  const mine = sortRevisions(ownedBy(existing, owner));
  const status = (owner.status ?? {}) as { collisionCount?: number };
  let collisionCount = status.collisionCount ?? 0;
  const data = templatePatch(template);
  const next = mine.length ? revisionNumber(mine[mine.length - 1]) + 1 : 1;
  let update = mine.find((r) => deepEqual(r.data, data));
  if (update && update !== mine[mine.length - 1]) {
    // A rollback to an older template: it becomes the newest revision again.
    update = await client.patch(R.controllerrevisions, ns, update.metadata!.name!, { revision: next });
  }
  while (!update) {
    const hash = revisionHash(data, collisionCount);
    const labels = { ...((template as PodTemplateSpec).metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash };
    const rev: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: `${owner.metadata!.name}-${hash}`, namespace: ns, labels, ownerReferences: [ownerRefTo(owner, kind.apiVersion, kind.kind)] },
      data,
      revision: next,
    };
    try {
      update = await client.create(R.controllerrevisions, ns, rev);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
      const clash = await client.get(R.controllerrevisions, ns, rev.metadata!.name!);
      if (deepEqual(clash.data, data) && ownedBy([clash], owner).length) update = clash;
      else collisionCount++; // a different template with the same hash: salt and retry
    }
  }
  const all = sortRevisions([...mine.filter((r) => r.metadata!.name !== update!.metadata!.name), update]);
  const current = all.find((r) => r.metadata!.name === currentName) ?? update;
  return { current, update, all, collisionCount };
}

/** Deletes the oldest revisions beyond the limit that are neither current, update, nor run by a live pod. */
export async function truncateHistory(client: RestClient, state: RevisionState, limit: number, liveHashes: Set<string>, hashOf: (r: KObject) => string) {
  const keep = new Set([state.current.metadata!.name, state.update.metadata!.name]);
  const removable = state.all.filter((r) => !keep.has(r.metadata!.name) && !liveHashes.has(hashOf(r)));
  const excess = removable.length - limit;
  for (const r of removable.slice(0, Math.max(0, excess))) {
    await client.delete(R.controllerrevisions, r.metadata!.namespace, r.metadata!.name!).catch((e) => {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    });
  }
}
