// Pod networking through CNI plugins, called per the CNI spec (ADD/DEL with the config on stdin
// and CNI_* variables): a network namespace per pod, `loopback` for lo and `bridge` + `host-local`
// IPAM for eth0 on the node's pod CIDR, the bridge acting as the pods' gateway.

import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import { createNamespacesIn } from '../runtime/userns.js';
import { type ExecOptions as CommandOptions, execFileHelped } from '../../util/exec-helper.js';
import { logFailure, logFailureOnce } from '../../util/best-effort.js';

// Through the helper process: the agent's loop does not stop for each fork (util/exec-helper.ts).
const run = (cmd: string, args: string[], o?: CommandOptions) => execFileHelped(cmd, args, o);

export interface CniOptions {
  dataDir: string;
  /** Bridge device the node's pods hang off (one per agent). */
  bridge: string;
  pluginDir?: string;
  log: Logger;
}

export interface PodNetwork {
  netnsPath: string;
  ip: string;
}

export class CniError extends Error {}

const netnsName = (podUid: string) => `gifee-${podUid}`;

export class CniNetwork {
  private podCIDR?: string;
  private readonly pluginDir: string;

  constructor(private opts: CniOptions) {
    this.pluginDir = opts.pluginDir ?? '/usr/lib/cni';
  }

  setPodCIDR(cidr: string | undefined) {
    this.podCIDR = cidr;
    // Remembered on disk so a later `gifee reset` can release addresses with the same config.
    if (cidr)
      void mkdir(join(this.opts.dataDir, 'cni'), { recursive: true })
        .then(() => writeFile(join(this.opts.dataDir, 'cni', 'pod-cidr'), cidr))
        // The bridge's name, for `gifee reset` (which knows only the data dir).
        .then(() => writeFile(join(this.opts.dataDir, 'cni', 'bridge'), this.opts.bridge))
        .catch(logFailureOnce(this.opts.log, 'recording the pod CIDR and bridge for gifee reset'));
  }

  get ready() {
    return !!this.podCIDR;
  }

  private bridgeConfig() {
    return {
      cniVersion: '1.0.0',
      name: 'gifee',
      type: 'bridge',
      bridge: this.opts.bridge,
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: this.podCIDR }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: join(this.opts.dataDir, 'cni', 'networks'),
      },
    };
  }

  private invoke(plugin: string, command: 'ADD' | 'DEL' | 'CHECK', podUid: string, ifname: string, config: object): Promise<{ ips?: { address?: string }[] }> {
    return new Promise((resolve, reject) => {
      const env = {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        CNI_COMMAND: command,
        CNI_CONTAINERID: podUid,
        CNI_NETNS: `/var/run/netns/${netnsName(podUid)}`,
        CNI_IFNAME: ifname,
        CNI_PATH: this.pluginDir,
      };
      const p = spawn(join(this.pluginDir, plugin), [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('error', (e) => reject(new CniError(`CNI plugin ${plugin} could not run: ${e.message}`)));
      p.on('close', (code) => {
        if (code === 0) return resolve(out ? JSON.parse(out) : {});
        let msg = err || out;
        try {
          const j = JSON.parse(out) as { msg?: string; details?: string };
          msg = [j.msg, j.details].filter(Boolean).join(': ');
        } catch {
          /* plain text */
        }
        reject(new CniError(`CNI ${plugin} ${command} failed: ${msg.trim()}`));
      });
      p.stdin.end(JSON.stringify({ ...config, name: 'gifee', cniVersion: '1.0.0' }));
    });
  }

  /** Creates the pod's network namespace and wires lo and eth0; idempotent for a pod that has one. */
  async setup(podUid: string, userNs?: string): Promise<PodNetwork> {
    const name = netnsName(podUid);
    const netnsPath = `/var/run/netns/${name}`;
    if (existsSync(netnsPath)) {
      const ip = await this.podIP(podUid);
      if (ip) return { netnsPath, ip }; // wired by an earlier attempt or agent run
    }
    if (!this.podCIDR) throw new CniError('the node has no pod CIDR yet (node.spec.podCIDR is empty)');
    // hostUsers: false: the namespace belongs to the pod's user namespace (so its containers may mount sysfs).
    if (!existsSync(netnsPath)) await (userNs ? createNamespacesIn(userNs, { net: netnsPath }) : run('ip', ['netns', 'add', name]));
    await mkdir(join(this.opts.dataDir, 'cni', 'networks'), { recursive: true });
    try {
      await this.invoke('loopback', 'ADD', podUid, 'lo', { type: 'loopback' });
      const result = await this.invoke('bridge', 'ADD', podUid, 'eth0', this.bridgeConfig());
      const ip = String(result.ips?.[0]?.address ?? '').split('/')[0];
      if (!ip) throw new CniError(`CNI bridge returned no IP: ${JSON.stringify(result)}`);
      return { netnsPath, ip };
    } catch (e) {
      await this.teardown(podUid).catch(logFailure(this.opts.log, 'tearing down the network of a pod whose setup failed', { pod: podUid }));
      throw e;
    }
  }

  /** Releases the pod's IP and removes its namespace; safe to call twice. */
  async teardown(podUid: string) {
    const name = netnsName(podUid);
    if (this.podCIDR) await this.invoke('bridge', 'DEL', podUid, 'eth0', this.bridgeConfig()).catch(logFailureOnce(this.opts.log, 'CNI DEL of a pod network (its address may stay allocated)', { pod: podUid }));
    if (existsSync(`/var/run/netns/${name}`)) await run('ip', ['netns', 'delete', name]).catch(logFailureOnce(this.opts.log, 'deleting the network namespace of a pod', { pod: podUid }));
  }

  /** The IP of a pod already wired (after an agent restart). */
  async podIP(podUid: string): Promise<string | undefined> {
    const name = netnsName(podUid);
    if (!existsSync(`/var/run/netns/${name}`)) return undefined;
    const { stdout } = await run('ip', ['-n', name, '-4', '-o', 'addr', 'show', 'dev', 'eth0']).catch(() => ({ stdout: '' }));
    return /inet (\d+\.\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  }

  static netnsPathOf(podUid: string) {
    return `/var/run/netns/${netnsName(podUid)}`;
  }
}
