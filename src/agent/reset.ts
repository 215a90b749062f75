// Removes everything a node agent left on this machine under a data dir: containers (killed),
// overlay and namespace mounts, network namespaces and their CNI state, cgroups, the pods' bridge.
// `gifee reset` and the e2e tests use it, so nothing outlives a cluster that is torn down.

import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logger } from '../util/log.js';
import { CniNetwork } from './network/cni.js';
import { removeRoutes } from './network/routes.js';
import { proxyTableName, removeServiceProxyTable } from '../proxy/index.js';
import { removeCgroups, unmount } from './runtime/host.js';

const run = promisify(execFile);

export async function resetNode(dataDir: string, bridge = 'gifee0') {
  const agentDir = join(dataDir, 'agent');
  const root = join(agentDir, 'runc');
  const { stdout } = await run('runc', ['--root', root, 'list', '-q']).catch(() => ({ stdout: '' }));
  for (const id of stdout.split('\n').filter(Boolean)) {
    await run('runc', ['--root', root, 'kill', '--all', id, 'KILL']).catch(() => undefined);
  }
  // Give the kernel a moment to reap, then delete.
  await new Promise((r) => setTimeout(r, 100));
  for (const id of stdout.split('\n').filter(Boolean)) await run('runc', ['--root', root, 'delete', '--force', id]).catch(() => undefined);
  const cidr = (await readFile(join(agentDir, 'cni', 'pod-cidr'), 'utf8').catch(() => '')).trim();
  const net = new CniNetwork({ dataDir: agentDir, bridge, log: logger('reset') });
  if (cidr) net.setPodCIDR(cidr);
  for (const uid of await readdir(join(agentDir, 'pods')).catch(() => [] as string[])) {
    await net.teardown(uid).catch(() => undefined);
    await removeCgroups(`gifee/pod${uid}`);
  }
  await unmount(dataDir);
  await removeServiceProxyTable(proxyTableName(bridge)).catch(() => undefined);
  await removeRoutes(dataDir, { bridge }).catch(() => undefined); // routes to other nodes' pods, and their nftables table
  await run('ip', ['link', 'delete', bridge]).catch(() => undefined);
}
