// `gifee etcd remove`'s decision: whether a member may go, and what that does to quorum. Pure (the
// member list, which members answered, the data dir's own member and whether its server runs), so
// every refusal is unit-tested. etcd itself would refuse some of these late or hang on them (a
// removal without quorum never commits); saying why up front is the point.

import type { EtcdMemberInfo } from './members-table.js';
import { memberIdHex } from './members-table.js';

export interface RemoveInput {
  members: EtcdMemberInfo[];
  /** What the user typed: a member name or its id in hex (as `gifee etcd members` prints it). */
  target: string;
  /** Ids (decimal, as etcd hands them over) of the members whose client URL answered a status call. */
  answering: Set<string>;
  /** The member name of the data dir the command runs with, and whether its server process runs. */
  self: { name: string; serverRunning: boolean };
}

export type RemovePlan = { ok: true; member: EtcdMemberInfo; quorum: string } | { ok: false; reason: string };

const quorumOf = (voters: number) => Math.floor(voters / 2) + 1;
const label = (m: EtcdMemberInfo) => `${m.name || '<unstarted>'} (${memberIdHex(m.ID)})`;

/** Finds the target by exact name, else by hex id (leading zeros and case ignored). */
export function findMember(members: EtcdMemberInfo[], target: string): EtcdMemberInfo[] {
  const byName = members.filter((m) => m.name !== '' && m.name === target);
  if (byName.length) return byName;
  const hex = target
    .toLowerCase()
    .replace(/^0x/, '')
    .replace(/^0+(?=.)/, '');
  if (!/^[0-9a-f]{1,16}$/.test(hex)) return [];
  return members.filter((m) => memberIdHex(m.ID) === hex);
}

export function planRemoval(i: RemoveInput): RemovePlan {
  const found = findMember(i.members, i.target);
  const names = i.members.map(label).join(', ') || 'none';
  if (found.length === 0) return { ok: false, reason: `no member named "${i.target}" or with that id; the members are ${names} (see gifee etcd members)` };
  if (found.length > 1) return { ok: false, reason: `"${i.target}" names ${found.length} members (${found.map(label).join(', ')}): pass the id instead` };
  const m = found[0];
  if (m.name === i.self.name && i.self.serverRunning) {
    return { ok: false, reason: `${label(m)} is the member of this data dir's server, which runs: stop that server first and run gifee etcd remove with another server's --data-dir (a member removed under its running server takes the server's store away)` };
  }
  if (m.isLearner) return { ok: true, member: m, quorum: 'a learner: quorum does not change' };
  const voters = i.members.filter((v) => !v.isLearner);
  if (voters.length === 1) {
    const learners = i.members.length - 1;
    return { ok: false, reason: `${label(m)} is the last voting member${learners ? ` (${learners} learner${learners > 1 ? 's' : ''} cannot take over)` : ''}: removing it would leave no cluster; to give up this control plane stop its server and gifee reset --purge its data dir` };
  }
  const answering = voters.filter((v) => i.answering.has(v.ID)).length;
  // The removal is a raft entry: it commits only if a quorum of the current voters answers.
  if (answering < quorumOf(voters.length)) {
    return { ok: false, reason: `quorum is lost: ${answering} of ${voters.length} voting members answer and ${quorumOf(voters.length)} are needed to commit any change, a removal included; start the stopped servers again (or rebuild from a snapshot with gifee server --cluster-reset)` };
  }
  const left = voters.length - 1;
  const leftAnswering = answering - (i.answering.has(m.ID) ? 1 : 0);
  if (leftAnswering < quorumOf(left)) {
    return { ok: false, reason: `removing ${label(m)} would leave ${left} voting members of which ${leftAnswering} answer${leftAnswering === 1 ? 's' : ''}, below their quorum of ${quorumOf(left)}: the cluster would stop accepting writes; start the stopped servers first, or remove a stopped member instead` };
  }
  const tolerates = left - quorumOf(left);
  return { ok: true, member: m, quorum: `${voters.length} voting members → ${left}; quorum ${quorumOf(left)} of ${left}, ${tolerates === 0 ? 'no further member may fail' : `${tolerates} may fail`}` };
}
