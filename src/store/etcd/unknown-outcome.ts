// A create or conditional update sent to etcd that timed out or lost its connection may or may not
// have been applied: the proposal can still be committed by a new leader, or have been lost with
// the old one. Before answering, the store reads the key (a linearizable read, so a new leader has
// committed whatever of the old term survives) and decides here, without I/O, what happened:
//
//  - create: the key holds (or held, at its creation) exactly our value. Our values carry a fresh uid
//    and timestamps, so nobody else writes the same bytes: the create was ours, acknowledge it with
//    the revision it got. (Were the same bytes written by someone else — two servers bootstrapping
//    the same fixed object — the answer would still be true of the store: it holds exactly that.) Another value → the key already existed. Absent → unknown, and NOT retried:
//    the create may have been applied and the object deleted since (a retry would bring it back).
//  - conditional update (compare modRevision == expected): the key still at `expected` → not applied,
//    and the retry is safe (its compare lets at most one of the two attempts through, even if the first
//    is committed late). Moved on → find the first version after `expected` by walking the key's history
//    back (a read at each version's modRevision - 1): ours if it holds our value, else a conflict.
//    Deleted on the way → unknown.
//  - delete with an expected revision: still at it → retry (same compare); anything else → unknown.
//    A delete without one has nothing to compare a retry against (the key may have been re-created):
//    unknown.
//
// "Unknown" reaches the caller as an UnavailableError: never an acknowledgement of a write that may
// not be stored, and never a second application of one that is.

import type { KeyValue } from '../types.js';

export type Mutation = { kind: 'create'; value: string } | { kind: 'update'; value: string; expectedRevision: number } | { kind: 'delete'; expectedRevision?: number };

export type Decision =
  /** Our write is stored: answer with this key-value. */
  | { do: 'acknowledge'; kv: KeyValue }
  /** Not applied, and sending it again cannot apply it twice. */
  | { do: 'retry' }
  /** Read the key as of this revision and call again with it appended to the history. */
  | { do: 'read'; revision: number }
  /** The create lost: the key exists with someone else's value. */
  | { do: 'exists' }
  /** The update lost to another write: the key is now at this revision. */
  | { do: 'conflict'; modRevision: number }
  /** Cannot be told apart: fail without acknowledging. */
  | { do: 'unknown'; why: string };

/** How far back the history walk goes before giving up. */
export const MAX_HISTORY = 8;

/**
 * `history[0]` is the key now (null: absent), from a linearizable read; each later entry is the key
 * as of the revision the previous decision asked for (null: absent then; 'compacted': no longer
 * readable).
 */
export function afterUnknownOutcome(op: Mutation, history: (KeyValue | null | 'compacted')[]): Decision {
  const current = history[0];
  if (current === 'compacted' || current === undefined) return { do: 'unknown', why: 'the key could not be read' };
  if (op.kind === 'create') {
    if (!current) return { do: 'unknown', why: 'the key is absent: the create may have been applied and the object deleted since' };
    if (current.modRevision === current.createRevision) return current.value === op.value ? { do: 'acknowledge', kv: current } : { do: 'exists' };
    // Changed since its creation: what was created?
    const created = history[1];
    if (created === undefined) return { do: 'read', revision: current.createRevision };
    if (created === 'compacted' || !created) return { do: 'unknown', why: 'the version created is no longer readable' };
    if (created.createRevision !== current.createRevision) return { do: 'unknown', why: 'inconsistent history' };
    return created.value === op.value ? { do: 'acknowledge', kv: created } : { do: 'exists' };
  }
  if (op.kind === 'delete') {
    if (op.expectedRevision !== undefined && current && current.modRevision === op.expectedRevision) return { do: 'retry' };
    return { do: 'unknown', why: op.expectedRevision === undefined ? 'an unconditional delete cannot be retried safely' : 'the key moved on or is gone: the delete may have been ours' };
  }
  const expected = op.expectedRevision;
  if (!current) return { do: 'unknown', why: 'the key is gone: the update may have been applied before it was deleted' };
  if (current.modRevision === expected) return { do: 'retry' };
  if (current.modRevision < expected) return { do: 'conflict', modRevision: current.modRevision };
  // Walk back: history[i] was read as of history[i - 1].modRevision - 1.
  for (let i = 0; i < history.length; i++) {
    const newer = history[i];
    if (newer === 'compacted' || !newer) return { do: 'unknown', why: 'the key was deleted or compacted since the expected revision' };
    const older = history[i + 1];
    if (older === undefined) {
      if (history.length > MAX_HISTORY) return { do: 'unknown', why: `more than ${MAX_HISTORY} writes since the expected revision` };
      return { do: 'read', revision: newer.modRevision - 1 };
    }
    if (older === 'compacted' || !older) return { do: 'unknown', why: 'the key was deleted or compacted since the expected revision' };
    if (older.createRevision !== newer.createRevision) return { do: 'unknown', why: 'the key was re-created since the expected revision' };
    if (older.modRevision === expected) {
      // `newer` is the first write after the expected revision.
      return newer.value === op.value ? { do: 'acknowledge', kv: newer } : { do: 'conflict', modRevision: current.modRevision };
    }
    if (older.modRevision < expected) return { do: 'conflict', modRevision: current.modRevision };
  }
  return { do: 'unknown', why: 'unreachable' };
}
