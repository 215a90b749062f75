// `gifee etcd members|remove`: the members of this server's managed etcd cluster (--cluster-init),
// read from its member (or, while it does not answer, another one: member-client.ts) with the API
// server's etcd client certificate; and removing one, as
// "removing a server removes its member". Works while the server runs.

import { parseArgs } from 'node:util';
import { helpOf, type FlagTable, UsageError } from '../args.js';
import { optionsOf } from '../args.js';
import { outputFormatOf } from '../output-format.js';
import { connectManagedEtcd, managedEtcdTarget } from './member-client.js';
import { memberRows, renderMembers } from './members-table.js';
import { removeMember } from './remove-command.js';

const FLAGS: FlagTable = {
  'data-dir': { type: 'string', value: 'DIR', help: "the server's data dir", default: 'as for gifee up' },
  output: { type: 'string', short: 'o', value: 'FORMAT', help: 'table, json or yaml (members)', default: 'table' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

export const ETCD_HELP = `gifee etcd: the managed etcd cluster of servers started with --cluster-init

Usage:
  gifee etcd members [--data-dir DIR] [-o json|yaml]   the members: name, id, URLs, voter or learner, leader
  gifee etcd remove NAME|ID [--data-dir DIR]           remove a member (of a server stopped for good), through
                                                       DIR's member; refused for DIR's own running server, the
                                                       last voter, or when quorum would be lost

Flags:
${helpOf(FLAGS)}`;

export async function etcdCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return console.log(ETCD_HELP);
  if (sub !== 'members' && sub !== 'remove') throw new UsageError(`gifee etcd: unknown subcommand "${sub}"; subcommands are members and remove (see gifee etcd --help)`);
  let v: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values: v, positionals } = parseArgs({ args: rest, options: optionsOf(FLAGS), strict: true, allowPositionals: sub === 'remove' }) as { values: Record<string, unknown>; positionals: string[] });
  } catch (e) {
    throw new UsageError(`gifee etcd ${sub}: ${(e as Error).message}; see gifee etcd --help`);
  }
  if (v.help) return console.log(ETCD_HELP);
  const dataDir = (v['data-dir'] as string | undefined) ?? defaultDataDir;
  if (sub === 'remove') {
    if (v.output !== undefined) throw new UsageError('gifee etcd remove: -o is for gifee etcd members');
    if (positionals.length !== 1) throw new UsageError('gifee etcd remove: name one member (its NAME or ID from gifee etcd members)');
    return removeMember(positionals[0], dataDir, defaultDataDir);
  }
  const format = outputFormatOf(v.output, 'gifee etcd members');
  const target = await managedEtcdTarget(dataDir, 'gifee etcd members');
  if (!target) throw new UsageError(`gifee etcd members: ${dataDir} has no managed etcd member (no etcd/member.json): pass the --data-dir of a server started with --cluster-init`);
  const members = await connectManagedEtcd(dataDir, target, 'gifee etcd members');
  try {
    // The list and the leader from one member (whichever answers; its own view of the cluster).
    const [list, status] = await members.retrying((c, o) => Promise.all([c.cluster.memberList({}, o), c.maintenance.status(o)]), 2 * members.callTimeoutMs);
    process.stdout.write(renderMembers(format, memberRows(list.members, status.leader)));
  } catch (e) {
    throw new Error(`gifee etcd members: no etcd member answered at ${members.order().join(',')} (${(e as Error).message}): is the server running? (gifee server --data-dir ${dataDir}); else run it with the --data-dir of another server`);
  } finally {
    members.close();
  }
}
