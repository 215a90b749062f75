// `gifee etcd remove NAME|ID`: lists the members through the data dir's member (or, if that one is
// stopped, through the cluster's other client URLs it recorded when it joined), asks every member
// whether it answers, lets planRemoval decide, then removes the member with etcd's MemberRemove.

import type { Etcd3 } from 'etcd3';
import { UsageError } from '../args.js';
import { gifeeProcessesUsing } from '../running-gifee.js';
import { managedEtcdTarget } from './member-client.js';
import { planRemoval } from './remove-plan.js';

const CMD = 'gifee etcd remove';

export async function removeMember(target: string, dataDir: string, defaultDataDir: string): Promise<void> {
  if (target.length > 128 || !/^[A-Za-z0-9._-]+$/.test(target)) throw new UsageError(`${CMD}: "${target.slice(0, 64)}" is not a member name or id (see gifee etcd members)`);
  const t = await managedEtcdTarget(dataDir, CMD);
  if (!t) throw new UsageError(`${CMD}: ${dataDir} has no managed etcd member (no etcd/member.json): pass the --data-dir of a server started with --cluster-init or joined`);
  const endpoints = [...new Set([...t.endpoints, ...(t.state.clusterClientUrls ?? [])])];
  const [{ Etcd3 }, { etcdClientOptions }] = await Promise.all([import('etcd3'), import('../../store/etcd/store.js')]);
  const connect = (urls: string[]) => new Etcd3({ ...etcdClientOptions(urls, t.tls), dialTimeout: 3000 });
  const client = connect(endpoints);
  try {
    let members: Awaited<ReturnType<Etcd3['cluster']['memberList']>>['members'];
    try {
      members = (await client.cluster.memberList({ linearizable: false }, { deadline: Date.now() + 5000 })).members;
    } catch (e) {
      throw new Error(`${CMD}: no member at ${endpoints.join(',')} answered (${(e as Error).message}): run it with the --data-dir of a running server`);
    }
    // Who answers: one short status call per member with a client URL, each on its own connection.
    const answering = new Set<string>();
    await Promise.all(
      members.slice(0, 64).map(async (m) => {
        if (!m.clientURLs.length) return;
        const one = connect(m.clientURLs.slice(0, 4));
        try {
          await one.maintenance.status({ deadline: Date.now() + 3000 });
          answering.add(m.ID);
        } catch {
          /* stopped, or unreachable from here: counted as not answering */
        } finally {
          one.close();
        }
      }),
    );
    const serverRunning = (await gifeeProcessesUsing(dataDir, defaultDataDir)).length > 0;
    const plan = planRemoval({ members, target, answering, self: { name: t.state.name, serverRunning } });
    if (!plan.ok) throw new UsageError(`${CMD}: ${plan.reason}`);
    try {
      await client.cluster.memberRemove({ ID: plan.member.ID }, { deadline: Date.now() + 15_000 });
    } catch (e) {
      throw new Error(`${CMD}: etcd did not remove ${plan.member.name || plan.member.ID} (${(e as Error).message}): check gifee etcd members and try again`);
    }
    console.log(`removed etcd member ${plan.member.name || '<unstarted>'}: ${plan.quorum}`);
    if (answering.has(plan.member.ID)) {
      console.log(`its etcd was running: it stops now and its server has no store; stop that server and gifee reset --purge its data dir before it joins again`);
    }
  } finally {
    client.close();
  }
}
