// `gifee etcd remove NAME|ID`: lists the members through the data dir's member (or, if that one does
// not answer, through the cluster's other client URLs its server recorded: member-client.ts), asks
// every member whether it answers, lets planRemoval decide, then removes the member with etcd's
// MemberRemove.

import type { Etcd3 } from 'etcd3';
import { UsageError } from '../args.js';
import { gifeeProcessesUsing } from '../running-gifee.js';
import { connectManagedEtcd, managedEtcdTarget } from './member-client.js';
import { planRemoval } from './remove-plan.js';

const CMD = 'gifee etcd remove';

export async function removeMember(target: string, dataDir: string, defaultDataDir: string): Promise<void> {
  if (target.length > 128 || !/^[A-Za-z0-9._-]+$/.test(target)) throw new UsageError(`${CMD}: "${target.slice(0, 64)}" is not a member name or id (see gifee etcd members)`);
  const t = await managedEtcdTarget(dataDir, CMD);
  if (!t) throw new UsageError(`${CMD}: ${dataDir} has no managed etcd member (no etcd/member.json): pass the --data-dir of a server started with --cluster-init or joined`);
  const members = await connectManagedEtcd(dataDir, t, CMD);
  try {
    let list: Awaited<ReturnType<Etcd3['cluster']['memberList']>>['members'];
    try {
      list = (await members.retrying((c, o) => c.cluster.memberList({ linearizable: false }, o), 2 * members.callTimeoutMs)).members;
    } catch (e) {
      throw new Error(`${CMD}: no member at ${members.order().join(',')} answered (${(e as Error).message}): run it with the --data-dir of a running server`);
    }
    // Who answers: one short status call per member with a client URL (its first that answers), each on its own connection.
    const answering = new Set<string>();
    await Promise.all(
      list.slice(0, 64).map(async (m) => {
        for (const url of m.clientURLs.slice(0, 4)) {
          try {
            await members.client(url).maintenance.status({ deadline: Date.now() + 3000 });
            answering.add(m.ID);
            return;
          } catch {
            /* stopped, or unreachable from here: counted as not answering */
          }
        }
      }),
    );
    const serverRunning = (await gifeeProcessesUsing(dataDir, defaultDataDir)).length > 0;
    const plan = planRemoval({ members: list, target, answering, self: { name: t.state.name, serverRunning } });
    if (!plan.ok) throw new UsageError(`${CMD}: ${plan.reason}`);
    try {
      // Not retried on another member: a removal whose answer was lost may have been applied (gifee etcd members tells).
      await members.call((c, o) => c.cluster.memberRemove({ ID: plan.member.ID }, o), members.deadline(15_000));
    } catch (e) {
      throw new Error(`${CMD}: etcd did not remove ${plan.member.name || plan.member.ID} (${(e as Error).message}): check gifee etcd members and try again`);
    }
    console.log(`removed etcd member ${plan.member.name || '<unstarted>'}: ${plan.quorum}`);
    if (answering.has(plan.member.ID)) {
      console.log(`its etcd was running: it stops now and its server has no store; stop that server and gifee reset --purge its data dir before it joins again`);
    }
  } finally {
    members.close();
  }
}
