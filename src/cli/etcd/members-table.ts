// `gifee etcd members`' listing: one row per member, as etcdctl member list shows them plus who
// leads. Pure, from etcd's MemberList answer and the leader's id, so it is unit-tested.

import { renderListing, type OutputFormat } from '../output-format.js';

/** What etcd's MemberList says of a member (ids are uint64 in decimal, as etcd3 hands them over). */
export interface EtcdMemberInfo {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberRow {
  name: string;
  /** Hexadecimal, as etcdctl and etcd's logs print member ids. */
  id: string;
  peerURLs: string[];
  clientURLs: string[];
  role: 'voter' | 'learner';
  leader: boolean;
}

/** A uint64 id in hex; anything that is not a decimal number is shown as it came. */
export function memberIdHex(id: string): string {
  return /^\d{1,20}$/.test(id) ? BigInt(id).toString(16) : id;
}

export function memberRows(members: EtcdMemberInfo[], leaderId: string | undefined): MemberRow[] {
  return members.map((m) => ({ name: m.name, id: memberIdHex(m.ID), peerURLs: m.peerURLs, clientURLs: m.clientURLs, role: m.isLearner ? ('learner' as const) : ('voter' as const), leader: leaderId !== undefined && m.ID === leaderId })).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export const MEMBERS_HEADER = ['NAME', 'ID', 'PEER URLS', 'CLIENT URLS', 'ROLE', 'LEADER'];

/** The table (a member not started yet has no name or client URLs: shown as <unstarted>/<none>), or -o json|yaml. */
export function renderMembers(format: OutputFormat, rows: MemberRow[]): string {
  return renderListing(format, 'EtcdMemberList', rows, MEMBERS_HEADER, (r) => [[r.name || '<unstarted>', r.id, r.peerURLs.join(',') || '<none>', r.clientURLs.join(',') || '<none>', r.role, r.leader ? 'yes' : '']]);
}
