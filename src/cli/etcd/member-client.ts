// How a command on this machine reaches the data dir's managed etcd cluster: its member's client URL
// from DATA/etcd/member.json, then the other members' its server last saw (clusterClientUrls), and
// the API server's etcd client certificate from DATA/pki (readable by the user that runs the
// server). Shared by `gifee etcd` and `gifee snapshot`; the calls fail over between those members as
// the server's own do (store/etcd/members.ts).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EtcdMembers } from '../../store/etcd/members.js';
import type { EtcdTls } from '../../store/etcd/tls.js';
import { UsageError } from '../args.js';
import { etcdPkiFiles } from './args.js';
import { ETCD_SERVER_NAME } from './etcd-pki.js';
import { type MemberState, readMemberState } from './member-state.js';

/** The endpoints (own member first) and client TLS (and what member.json says), or undefined when the data dir has no managed member. */
export async function managedEtcdTarget(dataDir: string, command: string): Promise<{ endpoints: string[]; tls: EtcdTls; state: MemberState } | undefined> {
  const state = await readMemberState(dataDir).catch((e: Error) => {
    throw new UsageError(`${command}: ${e.message}`);
  });
  if (!state) return undefined;
  const files = etcdPkiFiles(join(dataDir, 'pki'));
  const read = (f: string) =>
    readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`${command}: cannot read ${f} (${e.code ?? e.message}): run it as the user that runs the server (root?)`);
    });
  return { state, endpoints: [...new Set([state.clientUrl, ...(state.clusterClientUrls ?? [])])], tls: { ca: await read(files.ca), cert: await read(files.clientCert), key: await read(files.clientKey), serverName: ETCD_SERVER_NAME } };
}

/**
 * A started member set for a command: the own member preferred, the others used while it does not
 * answer, the member list read through whichever does. No health check (the command is short). The
 * caller closes it. Fails with what to do when no member answers.
 */
export async function connectManagedEtcd(dataDir: string, target: { endpoints: string[]; tls: EtcdTls }, command: string): Promise<EtcdMembers> {
  const { EtcdMembers } = await import('../../store/etcd/members.js');
  // A member that answers is enough to start (leader or not): these commands matter most when quorum is lost.
  const members = new EtcdMembers(target.endpoints, target.tls, { discoverMembers: true, healthIntervalMs: 0, serializableStart: true });
  try {
    await members.start();
  } catch (e) {
    members.close();
    throw new Error(`${command}: ${(e as Error).message}: is the server running? (gifee server --data-dir ${dataDir}); if its member is down for good, run this with the --data-dir of another server`);
  }
  if (members.pick() !== target.endpoints[0]) process.stderr.write(`${command}: this server's etcd member ${target.endpoints[0]} does not answer; going through ${members.pick()}\n`);
  return members;
}
