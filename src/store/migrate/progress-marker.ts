// The migration's own record in etcd, one key outside /registry/. It is created on an empty etcd in the
// same transaction that proves the etcd empty, and rewritten in every batch's transaction, so it always
// says exactly how far the copy got: a migration that stopped midway resumes from it instead of
// starting over on an etcd that is no longer empty.

export const MARKER_KEY = '/gifee/migrations/sqlite-to-etcd';

export interface Marker {
  /** copying: batches are being written; done: every key is copied and verified. */
  state: 'copying' | 'done';
  /** The SQLite store being copied, so a resume can tell it is still the same, unchanged store. */
  source: { revision: number; objects: number };
  /** The SQLite revision of the last key copied (keys are copied oldest first). */
  copiedThrough: number;
  /** Keys copied so far. */
  copied: number;
  startedAt: string;
  finishedAt?: string;
}

/** The marker stored in etcd, or an Error saying why the stored value is not one (never trusted blindly). */
export function parseMarker(text: string): Marker | Error {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return new Error(`${MARKER_KEY} in etcd is not JSON`);
  }
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const o = (m && typeof m === 'object' ? m : {}) as Record<string, unknown>;
  const source = (o.source && typeof o.source === 'object' ? o.source : {}) as Record<string, unknown>;
  if ((o.state !== 'copying' && o.state !== 'done') || !count(source.revision) || !count(source.objects) || !count(o.copiedThrough) || !count(o.copied) || typeof o.startedAt !== 'string') {
    return new Error(`${MARKER_KEY} in etcd is not a migration record gifee wrote`);
  }
  return { state: o.state, source: { revision: source.revision, objects: source.objects }, copiedThrough: o.copiedThrough, copied: o.copied, startedAt: o.startedAt, ...(typeof o.finishedAt === 'string' ? { finishedAt: o.finishedAt } : {}) };
}
