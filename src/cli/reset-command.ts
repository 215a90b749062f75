// `gifee reset [--data-dir DIR] [--purge] [--force]`: removes what gifee created on this machine for
// a data dir — containers, mounts, network namespaces and CNI state, cgroups, the Service proxy's
// nftables table, routes and the pod bridge, loop devices of local volumes — and nothing else.
// --purge also removes the data dir and the kubeconfig context gifee up merged. Idempotent; refuses
// while a gifee process still uses the data dir, unless --force (which stops it first).

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { UsageError, parseFlags } from './args.js';
import { defaultKubeconfig } from './commands.js';
import { gifeeProcessesUsing } from './running-gifee.js';
import { isProcessAlive } from '../util/process-alive.js';
import { ifMissing } from '../util/best-effort.js';

const HELP = `gifee reset: remove what gifee created on this machine for a data dir

Usage:
  gifee reset [--data-dir DIR] [--purge] [--force]

Removes containers, mounts, network namespaces, CNI state, cgroups, nftables tables, routes, the
pod bridge and loop devices that gifee made; other software's state is left alone.

Flags:
  --data-dir DIR   the cluster's data dir (default: gifee up's)
  --purge          also remove the data dir and the "gifee" kubeconfig context of this cluster
  --force          stop gifee processes still using the data dir first (SIGTERM, then SIGKILL)`;

async function stop(pids: number[]) {
  for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  while (pids.some(isProcessAlive)) await new Promise((r) => setTimeout(r, 50));
}

/** Drops the context (and its cluster and user) that gifee up merged, if it is this cluster's (same CA). */
async function removeKubeconfigContext(file: string, ca: string | undefined): Promise<boolean> {
  if (!ca) return false;
  const text = await readFile(file, 'utf8').catch(ifMissing);
  if (!text) return false;
  const kc = parse(text) as { contexts?: { name: string; context?: { cluster?: string; user?: string } }[]; clusters?: { name: string; cluster?: Record<string, string> }[]; users?: { name: string }[]; 'current-context'?: string } | null;
  const ctx = kc?.contexts?.find((c) => c.name === 'gifee');
  const cluster = kc?.clusters?.find((c) => c.name === ctx?.context?.cluster);
  if (!kc || !ctx || !cluster || cluster.cluster?.['certificate-authority-data'] !== Buffer.from(ca).toString('base64')) return false;
  kc.contexts = kc.contexts!.filter((c) => c !== ctx);
  kc.clusters = kc.clusters!.filter((c) => c !== cluster);
  kc.users = (kc.users ?? []).filter((u) => u.name !== ctx.context?.user);
  if (kc['current-context'] === 'gifee') kc['current-context'] = kc.contexts[0]?.name ?? '';
  await writeFile(file, stringify(kc), { mode: 0o600 });
  return true;
}

export async function resetCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const f = parseFlags('reset', argv, { 'data-dir': { type: 'string' }, purge: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (f.help) return void console.log(HELP);
  if (process.getuid?.() !== 0) throw new UsageError('gifee reset: run as root (it removes mounts, network namespaces and nftables tables)');
  const dataDir = (f['data-dir'] as string | undefined) ?? defaultDataDir;
  const running = await gifeeProcessesUsing(dataDir, defaultDataDir);
  if (running.length && !f.force) {
    throw new UsageError(`gifee reset: ${running.map((p) => `${p.command} (pid ${p.pid})`).join(', ')} still uses ${dataDir}; stop it first (Ctrl-C, or kill ${running.map((p) => p.pid).join(' ')}), or pass --force`);
  }
  if (running.length) {
    console.log(`stopping ${running.map((p) => `${p.command} (pid ${p.pid})`).join(', ')}`);
    await stop(running.map((p) => p.pid));
  }
  const { bridgeOf, resetNode } = await import('../agent/reset.js');
  const s = await resetNode(dataDir, await bridgeOf(dataDir));
  console.log(`removed ${s.containers} containers, the networks and cgroups of ${s.pods} pods, ${s.loopDevices} loop devices, the bridge ${s.bridge} and gifee's nftables tables; unmounted everything under ${dataDir}${s.kubeletDir ? ` and ${s.kubeletDir}` : ''}`);
  if (f.purge) {
    const ca = await readFile(join(dataDir, 'pki', 'ca.crt'), 'utf8').catch(ifMissing);
    const kubeconfig = defaultKubeconfig();
    if (await removeKubeconfigContext(kubeconfig, ca)) console.log(`removed the "gifee" context from ${kubeconfig}`);
    await rm(dataDir, { recursive: true, force: true });
    console.log(`removed ${dataDir}`);
  }
}
