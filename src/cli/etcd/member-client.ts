// How a command on this machine reaches the data dir's managed etcd member: its client URL from
// DATA/etcd/member.json and the API server's etcd client certificate from DATA/pki (readable by the
// user that runs the server). Shared by `gifee etcd` and `gifee snapshot`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EtcdTls } from '../../store/etcd/store.js';
import { UsageError } from '../args.js';
import { etcdPkiFiles } from './args.js';
import { ETCD_SERVER_NAME } from './etcd-pki.js';
import { type MemberState, readMemberState } from './member-state.js';

/** The member's endpoint and client TLS (and what member.json says), or undefined when the data dir has no managed member. */
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
  return { state, endpoints: [state.clientUrl], tls: { ca: await read(files.ca), cert: await read(files.clientCert), key: await read(files.clientKey), serverName: ETCD_SERVER_NAME } };
}
