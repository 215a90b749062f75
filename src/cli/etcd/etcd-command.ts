// `gifee etcd members`: the members of this server's managed etcd cluster (--cluster-init), read
// from its member with the API server's etcd client certificate. Works while the server runs.

import { parseArgs } from 'node:util';
import { helpOf, type FlagTable, UsageError } from '../args.js';
import { optionsOf } from '../args.js';
import { outputFormatOf } from '../output-format.js';
import { managedEtcdTarget } from './member-client.js';
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
  const target = await managedEtcdTarget(dataDir, 'gifee etcd members');
  if (!target) throw new UsageError(`gifee etcd members: ${dataDir} has no managed etcd member (no etcd/member.json): pass the --data-dir of a server started with --cluster-init`);
  const [{ Etcd3 }, { etcdClientOptions }] = await Promise.all([import('etcd3'), import('../../store/etcd/store.js')]);
  const client = new Etcd3({ ...etcdClientOptions(target.endpoints, target.tls), dialTimeout: 3000 });
  try {
    const deadline = { deadline: Date.now() + 5000 };
    const [list, status] = await Promise.all([client.cluster.memberList({}, deadline), client.maintenance.status(deadline)]);
    process.stdout.write(renderMembers(format, memberRows(list.members, status.leader)));
  } catch (e) {
    const err = new Error(`gifee etcd members: etcd at ${target.endpoints.join(',')} did not answer (${(e as Error).message}): is the server running? (gifee server --data-dir ${dataDir} --cluster-init)`);
    throw err;
  } finally {
    client.close();
  }
}
