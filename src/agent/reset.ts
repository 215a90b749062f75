// Removes everything a node agent left on this machine under a data dir: containers (killed),
// overlay and namespace mounts, network namespaces and their CNI state, cgroups, the pods' bridge,
// nftables tables (service proxy, pod IPs, NetworkPolicy).
// `gifee reset` and the e2e tests use it, so nothing outlives a cluster that is torn down. Loop
// devices backed by files under the data dir (local volumes) are detached after the unmounts. An
// agent started with --kubelet-dir recorded that directory (csi/kubelet-dir-record.ts): the CSI
// mounts there (pods' volume targets, staging) go too.

import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logger } from '../util/log.js';
import { CniNetwork } from './network/cni.js';
import { removeRoutes } from './network/routes.js';
import { proxyTableName, removeAnnouncedAddresses, removeServiceProxyTable } from '../proxy/index.js';
import { removeNetworkPolicyTable } from './network-policy/enforcer.js';
import { readKubeletDirRecord, type KubeletDirRecord } from './csi/kubelet-dir-record.js';
import { mountsUnder, notMounted, removeCgroups, unmount } from './runtime/host.js';
import { errorText, ignoreError, ignoreIf, logFailure } from '../util/best-effort.js';

const log = logger('reset');

const run = promisify(execFile);

/** What a reset removed, for `gifee reset` to say. */
export interface ResetSummary {
  containers: number;
  pods: number;
  loopDevices: number;
  bridge: string;
  /** The agent's --kubelet-dir, whose mounts were removed too. */
  kubeletDir?: string;
}

/** The bridge the data dir's agent used (recorded by the CNI network), else `fallback`. */
export async function bridgeOf(dataDir: string, fallback = 'gifee0'): Promise<string> {
  const recorded = (await readFile(join(dataDir, 'agent', 'cni', 'bridge'), 'utf8').catch(() => '')).trim();
  return /^[A-Za-z0-9_.-]{1,15}$/.test(recorded) ? recorded : fallback;
}

/** Detaches the loop devices whose backing file lies under dir; returns how many. */
async function detachLoopDevices(dir: string): Promise<number> {
  const { stdout } = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']).catch(() => ({ stdout: '' }));
  let devices: { name?: string; 'back-file'?: string }[] = [];
  try {
    devices = (JSON.parse(stdout || '{}') as { loopdevices?: typeof devices }).loopdevices ?? [];
  } catch {
    return 0;
  }
  let n = 0;
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  for (const d of devices) {
    const back = (d['back-file'] ?? '').replace(/ \(deleted\)$/, '');
    if (!d.name || !back.startsWith(prefix)) continue;
    if (
      await run('losetup', ['-d', d.name]).then(
        () => true,
        () => false,
      )
    )
      n++;
  }
  return n;
}

/** Everything mounted below the kubelet dir (pod volume targets, staging mounts: this node's pods are gone), and the dir itself when the agent bound it. */
async function unmountKubeletDir(r: KubeletDirRecord) {
  const mounts = (await mountsUnder(r.path)).filter((m) => m !== r.path || r.boundByAgent);
  // Deepest first; the dir itself may be mounted more than once (stacked binds): each is undone.
  for (const m of mounts.sort((a, b) => b.length - a.length)) await run('umount', ['-l', m]).catch(ignoreIf(notMounted, logFailure(log, 'unmounting', { mount: m })));
}

export async function resetNode(dataDir: string, bridge = 'gifee0'): Promise<ResetSummary> {
  const agentDir = join(dataDir, 'agent');
  const root = join(agentDir, 'runc');
  const { stdout } = await run('runc', ['--root', root, 'list', '-q']).catch(() => ({ stdout: '' }));
  for (const id of stdout.split('\n').filter(Boolean)) {
    await run('runc', ['--root', root, 'kill', '--all', id, 'KILL']).catch(ignoreError('the container may have stopped already: the delete below forces it'));
  }
  // Give the kernel a moment to reap, then delete.
  await new Promise((r) => setTimeout(r, 100));
  for (const id of stdout.split('\n').filter(Boolean)) await run('runc', ['--root', root, 'delete', '--force', id]).catch(logFailure(log, 'deleting a container', { id }));
  const cidr = (await readFile(join(agentDir, 'cni', 'pod-cidr'), 'utf8').catch(() => '')).trim();
  const net = new CniNetwork({ dataDir: agentDir, bridge, log });
  if (cidr) net.setPodCIDR(cidr);
  const pods = await readdir(join(agentDir, 'pods')).catch(() => [] as string[]);
  for (const uid of pods) {
    await net.teardown(uid).catch(logFailure(log, 'tearing down the network of a pod', { pod: uid }));
    await removeCgroups(`gifee/pod${uid}`);
  }
  await unmount(dataDir);
  // An agent with --kubelet-dir had its pods' CSI volumes (and its shared bind mount) there.
  const kubeletDir = await readKubeletDirRecord(dataDir);
  if (kubeletDir) await unmountKubeletDir(kubeletDir);
  const loopDevices = await detachLoopDevices(dataDir);
  await removeServiceProxyTable(proxyTableName(bridge)).catch(logFailure(log, 'removing the service proxy table'));
  await removeAnnouncedAddresses(log).catch(logFailure(log, 'removing the announced load balancer addresses')); // load balancer addresses this node announced
  await removeNetworkPolicyTable(bridge).catch(logFailure(log, 'removing the network policy table'));
  await removeRoutes(dataDir, { bridge, log }).catch(logFailure(log, "removing the routes to other nodes' pods")); // routes to other nodes' pods, and their nftables table
  await run('ip', ['link', 'delete', bridge]).catch(ignoreIf((e) => /Cannot find device/.test(errorText(e)), logFailure(log, 'deleting the bridge', { bridge })));
  return { containers: stdout.split('\n').filter(Boolean).length, pods: pods.length, loopDevices, bridge, ...(kubeletDir ? { kubeletDir: kubeletDir.path } : {}) };
}
