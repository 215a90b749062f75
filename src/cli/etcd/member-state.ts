// What a data dir records about its managed etcd member (DATA/etcd/member.json): its name, how it
// came to be (founded with --cluster-init, or joined to another server's cluster) and where it is
// reached. Read on every start to restart the same member, and by `gifee etcd` to find it.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validMemberName } from './args.js';

export interface MemberState {
  name: string;
  /** "init": founded its cluster (--cluster-init); "join": added to the cluster of `joinedFrom`. */
  origin: 'init' | 'join';
  /** The server it joined through (origin "join"). */
  joinedFrom?: string;
  /** This member's client URL (https://ADDR:PORT), for `gifee etcd` and the store. */
  clientUrl: string;
  peerUrl: string;
  /** A joined member: --initial-cluster it started with. */
  initialCluster?: string;
  /**
   * The cluster's client URLs: those it joined with (to promote it), then the voters' as the running
   * server last read them from etcd (recordClusterClientUrls), so commands reach the cluster through
   * another member while this one is down.
   */
  clusterClientUrls?: string[];
}

export const etcdDir = (dataDir: string) => join(dataDir, 'etcd');
const stateFile = (dataDir: string) => join(etcdDir(dataDir), 'member.json');

/** DATA/etcd/member.json, or undefined when this data dir has no managed member. A damaged file is refused, not guessed at. */
export async function readMemberState(dataDir: string): Promise<MemberState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let s: Partial<MemberState>;
  try {
    s = JSON.parse(text.slice(0, 64 * 1024)) as Partial<MemberState>;
  } catch {
    throw new Error(`${stateFile(dataDir)} is not valid JSON: restore it, or remove DATA/etcd to start a new member (its data is lost)`);
  }
  if (typeof s.name !== 'string' || !validMemberName(s.name) || (s.origin !== 'init' && s.origin !== 'join') || typeof s.clientUrl !== 'string' || typeof s.peerUrl !== 'string') {
    throw new Error(`${stateFile(dataDir)} does not describe an etcd member (name, origin, clientUrl, peerUrl): restore it, or remove DATA/etcd to start a new member`);
  }
  return s as MemberState;
}

export async function writeMemberState(dataDir: string, s: MemberState): Promise<void> {
  await mkdir(etcdDir(dataDir), { recursive: true, mode: 0o700 });
  const f = stateFile(dataDir);
  await writeFile(`${f}.tmp`, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  await rename(`${f}.tmp`, f);
}

/**
 * The server's member list changed: keep its client URLs in member.json for `gifee etcd` and `gifee
 * snapshot`, which run in other processes. Nothing is written when they are the same.
 */
export async function recordClusterClientUrls(dataDir: string, urls: string[]): Promise<void> {
  const s = await readMemberState(dataDir);
  if (!s || (s.clusterClientUrls ?? []).join(' ') === urls.join(' ')) return;
  await writeMemberState(dataDir, { ...s, clusterClientUrls: urls.slice(0, 16) });
}

/** A new member's name: the node or host name and a random suffix (as k3s), so servers sharing a host name still differ. */
export function newMemberName(base = hostname()): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 50) || 'gifee';
  return `${clean}-${randomBytes(4).toString('hex')}`;
}
