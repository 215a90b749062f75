// `gifee etcd members`: the members of this server's managed etcd cluster (--cluster-init), read
// from its member with the API server's etcd client certificate. Works while the server runs.

import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { helpOf, type FlagTable, UsageError } from '../args.js';
import { optionsOf } from '../args.js';
import { outputFormatOf } from '../output-format.js';
import { etcdPkiFiles } from './args.js';
import { ETCD_SERVER_NAME } from './etcd-pki.js';
import { readMemberState } from './member-state.js';
import { memberRows, renderMembers } from './members-table.js';

const FLAGS: FlagTable = {
  'data-dir': { type: 'string', value: 'DIR', help: "the server's data dir", default: 'as for gifee up' },
  output: { type: 'string', short: 'o', value: 'FORMAT', help: 'table, json or yaml', default: 'table' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

export const ETCD_HELP = `gifee etcd: the managed etcd cluster of servers started with --cluster-init

Usage:
  gifee etcd members [--data-dir DIR] [-o json|yaml]   the members: name, id, URLs, voter or learner, leader

Flags:
${helpOf(FLAGS)}`;

export async function etcdCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return console.log(ETCD_HELP);
  if (sub !== 'members') throw new UsageError(`gifee etcd: unknown subcommand "${sub}"; subcommands are members (see gifee etcd --help)`);
  let v: Record<string, unknown>;
  try {
    v = parseArgs({ args: rest, options: optionsOf(FLAGS), strict: true, allowPositionals: false }).values as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`gifee etcd members: ${(e as Error).message}; see gifee etcd --help`);
  }
  if (v.help) return console.log(ETCD_HELP);
  const format = outputFormatOf(v.output, 'gifee etcd members');
  const dataDir = (v['data-dir'] as string | undefined) ?? defaultDataDir;
  const state = await readMemberState(dataDir).catch((e: Error) => {
    throw new UsageError(`gifee etcd members: ${e.message}`);
  });
  if (!state) throw new UsageError(`gifee etcd members: ${dataDir} has no managed etcd member (no etcd/member.json): pass the --data-dir of a server started with --cluster-init`);
  const files = etcdPkiFiles(join(dataDir, 'pki'));
  const read = (f: string) =>
    readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`gifee etcd members: cannot read ${f} (${e.code ?? e.message}): run it as the user that runs the server (root?)`);
    });
  const tls = { ca: await read(files.ca), cert: await read(files.clientCert), key: await read(files.clientKey), serverName: ETCD_SERVER_NAME };
  const [{ Etcd3 }, { etcdClientOptions }] = await Promise.all([import('etcd3'), import('../../store/etcd/store.js')]);
  const client = new Etcd3({ ...etcdClientOptions([state.clientUrl], tls), dialTimeout: 3000 });
  try {
    const deadline = { deadline: Date.now() + 5000 };
    const [list, status] = await Promise.all([client.cluster.memberList({}, deadline), client.maintenance.status(deadline)]);
    process.stdout.write(renderMembers(format, memberRows(list.members, status.leader)));
  } catch (e) {
    const err = new Error(`gifee etcd members: etcd at ${state.clientUrl} did not answer (${(e as Error).message}): is the server running? (gifee server --data-dir ${dataDir} --cluster-init)`);
    throw err;
  } finally {
    client.close();
  }
}
