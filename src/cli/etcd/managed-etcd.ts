// `gifee server --cluster-init`: the server founds (or, restarted, resumes) a managed etcd member
// in DATA/etcd and uses it as its store, as k3s' embedded etcd. The member is Debian's etcd binary
// as a supervised child (etcd-process.ts) with client and peer TLS from the etcd CA (etcd-pki.ts).
// What the store gets back is the same as --store etcd --etcd-endpoints, plus client TLS.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdTls } from '../../store/etcd/tls.js';
import type { Logger } from '../../util/log.js';
import { SYSTEM_BIN_DIRS, which } from '../../util/which.js';
import { UsageError } from '../args.js';
import { ensurePortFree } from '../port-preflight.js';
import { type Startup, StartupAborted } from '../startup.js';
import { clientUrlOf, type EtcdMemberSpec, etcdArgs, peerUrlOf } from './args.js';
import { type PreparedReset, restoreEtcdData } from './cluster-reset.js';
import { clientTlsOf, ensureEtcdPki } from './etcd-pki.js';
import { EtcdProcess, stopStaleMember } from './etcd-process.js';
import { etcdDir, type MemberState, newMemberName, readMemberState, writeMemberState } from './member-state.js';

/** The server's managed etcd flags (etcd-flags.ts). */
export interface ManagedEtcdSettings {
  clusterInit: boolean;
  /** Join the cluster of this server (--server URL --token-file F) as a control-plane member. */
  join?: { server: string; tokenFile: string };
  clientPort: number;
  peerPort: number;
  /** --cluster-reset [--restore FILE]: this member becomes a cluster of one (cluster-reset.ts). */
  reset?: { restore?: string };
}

export const DEFAULT_ETCD_CLIENT_PORT = 2379;
export const DEFAULT_ETCD_PEER_PORT = 2380;

/** Where etcd listens and what it advertises, from the server's addresses. */
export interface MemberAddresses {
  /** --bind-address (0.0.0.0: every address). */
  listen: string;
  /** A specific address of this machine peers and clients reach: the bind address unless a wildcard, else the node IP or first machine address. */
  advertise: string;
  /** For a new member's name: the node name, else the host name. */
  nodeName?: string;
}

/** The etcd binary: Debian's etcd-server package puts it in /usr/bin. */
export async function findEtcdBinary(): Promise<string> {
  const found = await which('etcd', [...(process.env.PATH ?? '').split(':'), ...SYSTEM_BIN_DIRS]);
  if (!found) throw new UsageError('--cluster-init runs etcd, which is not installed: apt-get install etcd-server (Debian), or use the embedded SQLite store (drop --cluster-init)');
  return found;
}

/** Refusals before anything is written: each says why and what to do instead. */
export async function checkManagedEtcdDataDir(dataDir: string, state: MemberState | undefined, clusterInit = true): Promise<void> {
  if (clusterInit && state?.origin === 'join') {
    throw new UsageError(`${dataDir} holds an etcd member of the cluster joined through ${state.joinedFrom ?? 'another server'}; --cluster-init would found a new cluster. Restart it without --cluster-init, or start the new cluster in an empty --data-dir`);
  }
  // A SQLite store (state.db) in the data dir is moved into the new member once it runs (src/store/migrate).
  if (!state && existsSync(join(etcdDir(dataDir), 'data', 'member'))) {
    throw new UsageError(`${etcdDir(dataDir)} holds etcd data but no member.json saying whose: restore member.json, or remove ${etcdDir(dataDir)} to start a new member (its data is lost)`);
  }
}

/**
 * Promotes the learner with this peer URL once etcd lets it (it refuses until the learner is in sync);
 * returns at once for a voter. Through the members as the store reaches them (members.ts): the own
 * member first (a learner refuses these calls, so it is marked down), then the cluster's others.
 */
export async function promoteWhenCaughtUp(endpoints: string[], tls: EtcdTls, peerUrl: string, log: Logger, signal: AbortSignal, timeoutMs = 120_000): Promise<void> {
  const { EtcdMembers } = await import('../../store/etcd/members.js');
  const members = new EtcdMembers(endpoints, tls, { healthIntervalMs: 0 });
  const end = Date.now() + timeoutMs;
  let last: unknown;
  try {
    while (Date.now() < end && !signal.aborted) {
      try {
        const me = (await members.call((c, o) => c.cluster.memberList({}, o))).members.find((m) => m.peerURLs.includes(peerUrl));
        if (!me) throw new UsageError(`this server's etcd member (${peerUrl}) is not in its cluster any more: it was removed; join again with an empty --data-dir`);
        if (!me.isLearner) return;
        await members.call((c, o) => c.cluster.memberPromote({ ID: me.ID }, o));
        log.info('promoted this etcd learner to a voting member', { member: me.name, peerUrl });
        return;
      } catch (e) {
        if (e instanceof UsageError) throw e;
        last = e;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    members.close();
  }
  if (!signal.aborted) throw new Error(`this etcd learner was not promoted in ${timeoutMs / 1000}s: ${(last as Error | undefined)?.message ?? 'no answer'}`);
}

/** Starts (or restarts) this server's member and waits until it is healthy; stopped with the server. */
export async function startManagedEtcd(dataDir: string, settings: ManagedEtcdSettings, addr: MemberAddresses, log: Logger, started: Startup, reset?: PreparedReset, onRemoved?: (reason: string) => void): Promise<{ endpoints: string[]; tls: EtcdTls }> {
  let state = await readMemberState(dataDir).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  // --cluster-reset (not yet done for this snapshot): whatever the member was, it now founds a cluster of one.
  const resetting = reset !== undefined && !reset.done;
  await checkManagedEtcdDataDir(dataDir, state, settings.clusterInit && !resetting);
  const binary = await findEtcdBinary();
  const joined = state?.origin === 'join' && !resetting;
  const spec: EtcdMemberSpec = {
    name: state?.name ?? newMemberName(addr.nodeName),
    dataDir: join(etcdDir(dataDir), 'data'),
    listenAddress: addr.listen,
    advertiseAddress: addr.advertise,
    clientPort: settings.clientPort,
    peerPort: settings.peerPort,
    pkiDir: join(dataDir, 'pki'),
    // A joined member starts into its cluster; on later starts etcd reads the membership from its data.
    initialClusterState: joined ? 'existing' : 'new',
    initialCluster: joined ? state?.initialCluster : undefined,
    // Only read when founding; a random one per cluster (a restart ignores it).
    initialClusterToken: `gifee-${randomBytes(8).toString('hex')}`,
    // A restored data dir already holds a membership of one; a plain reset rewrites the member's own.
    forceNewCluster: resetting && !reset?.db,
  };
  let args: string[];
  try {
    args = etcdArgs(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // An etcd of this member that outlived a killed gifee is stopped first; then the ports must be free.
  await stopStaleMember(etcdDir(dataDir), args, log);
  for (const [kind, port] of [
    ['client', settings.clientPort],
    ['peer', settings.peerPort],
  ] as const) {
    await ensurePortFree(addr.listen, port, 'gifee server').catch((e: Error) => {
      throw new UsageError(`etcd's ${kind} port ${port} on ${addr.listen} is in use (another etcd or gifee server?): stop it, or pass --etcd-${kind}-port N (${e.message})`);
    });
  }
  // etcd is stopped and its ports free: the snapshot's data replaces the member's.
  if (resetting) await restoreEtcdData(dataDir, reset, spec, log);
  const pki = await ensureEtcdPki(dataDir, [addr.advertise, ...(addr.listen === '0.0.0.0' ? [] : [addr.listen])]);
  if (resetting) {
    // Founder of its cluster of one: the join's record (other members, the server it joined) is forgotten.
    log.warn('--cluster-reset: this etcd member is now a cluster of one; remove --cluster-reset for later starts, then join other servers again', { member: spec.name, restored: reset?.db !== undefined });
    state = { name: spec.name, origin: 'init', clientUrl: clientUrlOf(spec), peerUrl: peerUrlOf(spec) };
  } else if (state && state.peerUrl !== peerUrlOf(spec)) {
    // etcd keeps the peer URL it was founded with in its membership: others would dial the old one.
    log.warn("this etcd member's peer address changed; its cluster still lists the old one", { was: state.peerUrl, now: peerUrlOf(spec) });
  }
  state = { ...state, name: spec.name, origin: state?.origin ?? 'init', clientUrl: clientUrlOf(spec), peerUrl: state?.peerUrl ?? peerUrlOf(spec) };
  await writeMemberState(dataDir, state);
  const tls = clientTlsOf(pki);
  const setpriv = await which('setpriv', SYSTEM_BIN_DIRS);
  // A restart by the supervisor resumes the member as usual: peers that joined since the reset stay members.
  const restartArgs = spec.forceNewCluster ? etcdArgs({ ...spec, forceNewCluster: false }) : undefined;
  const etcd = new EtcdProcess({ binary, args, restartArgs, setpriv, dir: etcdDir(dataDir), clientUrl: state.clientUrl, tls, log: log.child({ component: 'etcd' }), onRemoved });
  // Stopped after the store closes (unwinding is newest first), also when the start fails part-way.
  started.add('etcd', 7000, () => etcd.stop(5000));
  try {
    // A joined member is a learner until it has caught up: promoted meanwhile (it may not answer /health before).
    const promoted = state.origin === 'join' ? promoteWhenCaughtUp([...new Set([state.clientUrl, ...(state.clusterClientUrls ?? [])])], tls, state.peerUrl, log, started.signal) : Promise.resolve();
    await started.race(Promise.all([etcd.start(), promoted]));
  } catch (e) {
    if (e instanceof StartupAborted) throw e;
    throw new UsageError(`the managed etcd did not start: ${(e as Error).message}`);
  }
  log.info('managed etcd ready', { member: state.name, clientUrl: state.clientUrl, pid: etcd.pid, log: etcd.logPath });
  return { endpoints: [state.clientUrl], tls };
}
