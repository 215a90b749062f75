// Kernel settings the nftables proxy relies on, checked and set at start:
// - net.ipv4.ip_forward: pods' service traffic is routed through the node.
// - net.bridge.bridge-nf-call-iptables: a reply from a pod to a pod on the same bridge is bridged,
//   not routed; without this it skips conntrack, is never un-DNATed, and the client drops it.
// - net.ipv4.conf.all.route_localnet: NodePorts on 127.0.0.1 (as kube-proxy's iptables mode does)
//   need packets from 127.0.0.1 routed out to the pods' bridge before they are masqueraded. The
//   ruleset then drops packets for 127.0.0.0/8 that come from other hosts.

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from '../../util/log.js';
import { ifMissing } from '../../util/best-effort.js';

const run = promisify(execFile);

const path = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

async function ensureSysctl(key: string, value: string, log: Logger): Promise<boolean> {
  const current = (await readFile(path(key), 'utf8').catch(ifMissing))?.trim();
  if (current === value) return true;
  try {
    await writeFile(path(key), value);
    log.info('set kernel parameter', { key, value, was: current });
    return true;
  } catch (e) {
    log.warn('could not set kernel parameter', { key, value, err: e });
    return false;
  }
}

export async function prepareHost(opts: { localhostNodePorts: boolean }, log: Logger): Promise<void> {
  await ensureSysctl('net.ipv4.ip_forward', '1', log);
  if ((await readFile(path('net.bridge.bridge-nf-call-iptables'), 'utf8').catch(ifMissing)) === undefined) {
    await run('modprobe', ['br_netfilter']).catch((e) => log.warn('could not load br_netfilter: pod-to-service traffic between pods on one bridge may fail', { err: e }));
  }
  await ensureSysctl('net.bridge.bridge-nf-call-iptables', '1', log);
  if (opts.localhostNodePorts) await ensureSysctl('net.ipv4.conf.all.route_localnet', '1', log);
}
