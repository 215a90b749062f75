// Host UID/GID ranges for pods with hostUsers: false (KEP-127, as the kubelet allocates them): each
// such pod gets its own 65,536-wide range, so uid 0..65535 inside are host uids nobody else has. The
// ranges start above the host's first 65,536 ids and come from a bounded pool; the assignment is
// persisted (a JSON file in the agent's data directory) so a restarted agent gives a running pod the
// range its files were shifted to, and it is released when the pod's sandbox is removed.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const USERNS_RANGE_SIZE = 65_536;

export interface UserNsRange {
  /** The first host uid (and gid) of the range; container id 0 maps to it. */
  hostId: number;
  size: number;
}

export class UserNsRangeError extends Error {}

export interface UserNsRangeOptions {
  /** Where the assignment is kept; unset = memory only (tests). */
  file?: string;
  /** The first range's host id (a multiple of the size): 16 × 65,536 by default, above the host's own and its subuid ranges' usual start. */
  first?: number;
  /** How many ranges the pool has (pods with hostUsers: false this node can run at once). */
  count?: number;
}

export class UserNsRanges {
  private readonly first: number;
  private readonly count: number;
  /** Pod uid -> index in the pool. */
  private byPod = new Map<string, number>();

  constructor(private readonly o: UserNsRangeOptions = {}) {
    this.first = o.first ?? 16 * USERNS_RANGE_SIZE;
    this.count = o.count ?? 256;
    if (this.first % USERNS_RANGE_SIZE || this.first < USERNS_RANGE_SIZE) throw new UserNsRangeError(`the first user namespace range must be a non-zero multiple of ${USERNS_RANGE_SIZE}`);
    if (this.first / USERNS_RANGE_SIZE + this.count > 2 ** 32 / USERNS_RANGE_SIZE - 1) throw new UserNsRangeError('the user namespace range pool goes past the 32-bit uid space');
    if (o.file) this.load(o.file);
  }

  private load(file: string) {
    let saved: Record<string, number>;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      return; // none yet (or unreadable: the pods' sandboxes are re-made with new ranges)
    }
    for (const [pod, hostId] of Object.entries(saved ?? {})) {
      const i = (hostId - this.first) / USERNS_RANGE_SIZE;
      // A range outside the current pool (the pool was changed) is forgotten, never reused twice.
      if (Number.isInteger(i) && i >= 0 && i < this.count && ![...this.byPod.values()].includes(i)) this.byPod.set(pod, i);
    }
  }

  private save() {
    if (!this.o.file) return;
    mkdirSync(dirname(this.o.file), { recursive: true });
    const tmp = `${this.o.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries([...this.byPod].map(([p, i]) => [p, this.hostIdOf(i)]))));
    renameSync(tmp, this.o.file);
  }

  private hostIdOf(i: number) {
    return this.first + i * USERNS_RANGE_SIZE;
  }

  /** The pod's range: the one it has, else the lowest free one; throws when the pool is exhausted. */
  allocate(podUid: string): UserNsRange {
    let i = this.byPod.get(podUid);
    if (i === undefined) {
      const used = new Set(this.byPod.values());
      for (let j = 0; j < this.count; j++)
        if (!used.has(j)) {
          i = j;
          break;
        }
      if (i === undefined) throw new UserNsRangeError(`no free user namespace range: all ${this.count} ranges of ${USERNS_RANGE_SIZE} ids are in use by pods with hostUsers: false`);
      this.byPod.set(podUid, i);
      this.save();
    }
    return { hostId: this.hostIdOf(i), size: USERNS_RANGE_SIZE };
  }

  /** The pod's range if it has one (after a restart: the persisted one). */
  get(podUid: string): UserNsRange | undefined {
    const i = this.byPod.get(podUid);
    return i === undefined ? undefined : { hostId: this.hostIdOf(i), size: USERNS_RANGE_SIZE };
  }

  release(podUid: string) {
    if (this.byPod.delete(podUid)) this.save();
  }

  /** Pods holding a range. */
  pods(): string[] {
    return [...this.byPod.keys()];
  }
}

/** Volume types a pod with hostUsers: false may have: the ones the agent writes itself and can shift. */
const SHIFTABLE = ['emptyDir', 'configMap', 'secret', 'downwardAPI', 'projected'];

/** Why a pod with hostUsers: false cannot have its volumes here (undefined: it can). */
export function userNsVolumeRefusal(volumes: Record<string, unknown>[]): string | undefined {
  const bad = volumes.map((v) => [String(v.name), Object.keys(v).find((k) => k !== 'name') ?? '?'] as const).filter(([, t]) => !SHIFTABLE.includes(t));
  if (!bad.length) return undefined;
  return `pods with hostUsers: false may only use ${SHIFTABLE.join(', ')} volumes on this node (runc 1.1 has no idmapped mounts, so other volumes cannot be given to the pod's user namespace): ${bad.map(([n, t]) => `${n} (${t})`).join(', ')}`;
}
