// Multi-node test hosts on one machine (scripts/test-hosts.sh): N network namespaces joined by a
// bridge in the root namespace, each with its own IP, and a real `gifee agent` per host joining a
// server that runs in the root namespace. destroy() stops the agents, removes what they made
// (containers, mounts, pod netns, cgroups; inside the host's namespace for its bridge, routes and
// nftables) and the hosts themselves.
//
// Agents run under `nsenter --net=...`, not `ip netns exec`: the latter also unshares the mount
// namespace and remounts /sys, which hides /sys/fs/cgroup from runc and keeps the agent's overlay
// and netns mounts out of sight of the cleanup.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Cluster } from './cluster.js';
import { stopProcess } from './stop-process.js';

const run = promisify(execFile);

const repoRoot = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();

/** The gifee CLI entry: compiled when built (dist), else through tsx from source. */
const cli = () => {
  const compiled = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  return import.meta.url.endsWith('.js') && existsSync(compiled) ? [compiled] : ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')];
};

/** node arguments that run resetNode(dataDir, bridge): the compiled module when built, else the source through tsx. */
function resetNodeCommand(dataDir: string, bridge: string): string[] {
  const compiled = join(repoRoot, 'dist', 'src', 'agent', 'reset.js');
  const useCompiled = import.meta.url.endsWith('.js') && existsSync(compiled);
  const module = useCompiled ? compiled : join(repoRoot, 'src', 'agent', 'reset.ts');
  const code = `const { resetNode } = await import(${JSON.stringify(module)}); await resetNode(${JSON.stringify(dataDir)}, ${JSON.stringify(bridge)});`;
  return [...(useCompiled ? [] : ['--import', 'tsx']), '--input-type=module', '-e', code];
}

export interface TestHost {
  name: string;
  /** The network namespace (/var/run/netns/NAME). */
  netns: string;
  ip: string;
}

export interface TestHosts {
  hosts: TestHost[];
  /** The root namespace's side of the hosts' network: hosts reach the API server at bridge.ip. */
  bridge: { name: string; ip: string };
  /** argv that runs argv inside a host's network namespace (and only that namespace). */
  inHost(host: TestHost, argv: string[]): string[];
  /** Runs a command inside a host's network namespace. */
  exec(host: TestHost, cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }>;
  destroy(): Promise<void>;
}

/** N hosts on a fresh bridge and a random private /24 (scripts/test-hosts.sh). */
export async function createHosts(n: number, opts: { prefix?: string; subnet?: string } = {}): Promise<TestHosts> {
  const prefix = opts.prefix ?? `gfm${Math.floor(Math.random() * 0xfffff).toString(36)}`;
  const script = join(repoRoot, 'scripts', 'test-hosts.sh');
  const { stdout } = await run('bash', [script, 'create', String(n), prefix, ...(opts.subnet ? [opts.subnet] : [])]);
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  const br = lines.find((l) => l[0] === 'bridge')!;
  const hosts = lines.filter((l) => l[0] !== 'bridge').map(([name, ip]) => ({ name, netns: name, ip }));
  const inHost = (h: TestHost, argv: string[]) => ['nsenter', `--net=/var/run/netns/${h.netns}`, '--', ...argv];
  return {
    hosts,
    bridge: { name: br[1], ip: br[2] },
    inHost,
    exec: async (h, cmd, args) => {
      const [bin, ...rest] = inHost(h, [cmd, ...args]);
      const r = await run(bin, rest, { maxBuffer: 16 * 1024 * 1024 });
      return { stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    destroy: async () => {
      await run('bash', [script, 'delete', prefix]);
    },
  };
}

/**
 * Lets agents on the hosts verify the API server at the bridge address: the server's certificate
 * is reissued (same CA) to also cover that IP, and the server restarted to load it. The cluster
 * must listen on all addresses (startCluster({ extraArgs: ['--bind-address', '0.0.0.0'] })).
 * Returns the URL the hosts use.
 */
export async function serveOnBridge(cluster: Cluster, bridgeIP: string): Promise<string> {
  const { issueCert, serverNames } = await import('../../src/cli/pki.js');
  const pki = join(cluster.dataDir, 'pki');
  const ca = { cert: await readFile(join(pki, 'ca.crt'), 'utf8'), key: await readFile(join(pki, 'ca.key'), 'utf8') };
  const server = await issueCert(ca, { commonName: 'gifee-apiserver', usage: 'server', ...serverNames([bridgeIP]) });
  await writeFile(join(pki, 'server.key'), server.key, { mode: 0o600 });
  await writeFile(join(pki, 'server.crt'), server.cert);
  await cluster.restart();
  return `https://${bridgeIP}:${new URL(cluster.url).port}`;
}

export interface HostAgent {
  host: TestHost;
  nodeName: string;
  dataDir: string;
  /** The agent's pod bridge (inside the host's namespace). */
  bridge: string;
  logs(): string;
  /** SIGTERM and wait (containers keep running, as with a real agent restart). */
  stop(): Promise<void>;
  /** Stop, then remove everything the agent made (run inside the host's network namespace) and its data dir. */
  destroy(): Promise<void>;
}

/**
 * A test's own agent flags; the ingress controller (ports 80 and 443 of the host) is off unless the
 * test asks for it, so a Service on those ports is what answers there. Learning other API servers
 * is off: a server listening on all addresses advertises this machine's own address in the
 * kubernetes Endpoints, which a test host must never dial.
 */
function agentArgs(own: string[]): string[] {
  const out = [...own];
  if (!own.includes('--no-server-discovery')) out.push('--no-server-discovery');
  for (const flag of ['--ingress-http-port', '--ingress-https-port']) if (!own.includes(flag)) out.push(flag, 'off');
  return out;
}

/**
 * Starts `gifee agent` inside a host, joined to the server with its node token; the images (OCI
 * tars) are imported into the agent's data dir first. Resolves once the process runs; wait for
 * the Node with kubectl.
 */
export async function startHostAgent(hosts: TestHosts, host: TestHost, o: { server: string; serverDataDir: string; images: string[]; env?: Record<string, string>; args?: string[] }): Promise<HostAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), `gifee-${host.name}-`));
  try {
    for (const image of o.images) await run(process.execPath, [...cli(), 'images', 'import', '--data-dir', dataDir, image], { cwd: repoRoot });
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  // A pod bridge name of its own, though it lives in the host's namespace: if a cleanup ever ran in
  // the root namespace by mistake, it must not touch a real gifee0.
  const bridge = `${host.name.replace(/-h(\d+)$/, 'p$1')}`.slice(0, 15);
  const nodeName = host.name;
  const argv = hosts.inHost(host, [process.execPath, ...cli(), 'agent', '--server', o.server, '--token-file', join(o.serverDataDir, 'node-token'), '--data-dir', dataDir, '--node-name', nodeName, '--node-ip', host.ip, '--kubelet-port', '10250', '--bridge', bridge, ...agentArgs(o.args ?? [])]);
  let log = '';
  let proc: ChildProcess | undefined = spawn(argv[0], argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIFEE_LOG: process.env.GIFEE_LOG ?? 'info', ...(o.env ?? {}) } });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    const p = proc;
    proc = undefined;
    await stopProcess(p);
  };
  return {
    host,
    nodeName,
    dataDir,
    bridge,
    logs: () => log,
    stop,
    destroy: async () => {
      await stop();
      // resetNode inside the host's network namespace: the pod bridge, the proxy's nftables table
      // and the routes are there; containers, mounts and cgroups are the machine's.
      const [bin, ...args] = hosts.inHost(host, [process.execPath, ...resetNodeCommand(dataDir, bridge)]);
      await run(bin, args, { cwd: repoRoot });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A wait for multi-host tests: polls `fn` every `intervalMs` until it holds or `ms` pass, and on a
 * timeout names the last error and each agent's latest warnings and errors (what went wrong on the
 * nodes is rarely visible from kubectl).
 */
export function untilWithAgentLogs(agents: readonly HostAgent[], intervalMs = 300) {
  return async (what: string, fn: () => Promise<boolean>, ms = 90_000) => {
    const end = Date.now() + ms;
    let last: unknown;
    while (Date.now() < end) {
      try {
        if (await fn()) return;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    const logs = agents
      .map(
        (a) =>
          `--- ${a.nodeName}\n${a
            .logs()
            .split('\n')
            .filter((l) => /"level":"(warn|error)"/.test(l))
            .slice(-15)
            .join('\n')}`,
      )
      .join('\n');
    throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${logs}`);
  };
}
