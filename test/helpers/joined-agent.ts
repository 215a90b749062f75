// A real `gifee agent` joined to a test cluster, as the e2e files that need a worker start one. It
// runs in its own process group: after an upgrade switch the agent is a thin parent with the new
// build as its child, and stopping only the parent would leave that child writing into the data dir
// while the test removes it. stop() signals the agent (a restart within a test: its containers and
// whatever else it started go on, as with a real restart); stop({ group: true }), for teardown,
// signals the whole group and kills what outlived the agent.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cliCommand, repoRoot } from './cluster.js';

export interface JoinedAgentOptions {
  /** --server (one URL, or several joined by commas). */
  server: string;
  dataDir: string;
  nodeName: string;
  /** The CNI bridge (a name of its own per test file, so runs do not share one). */
  bridge: string;
  /** --token-file; left out, the agent carries on with the certificate it holds. */
  tokenFile?: string;
  /** More flags after the usual ones (--ingress-http-port off, --token ...). */
  args?: string[];
  env?: Record<string, string>;
  /** Run this gifee build (a directory: bin/gifee.js) instead of this checkout's. */
  build?: string;
}

export interface JoinedAgent {
  readonly process: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  log(): string;
  /** SIGTERM (or `signal`), SIGKILL after `graceMs`; resolves once the agent exited. group: its whole process group, then SIGKILL to what is left of it. */
  stop(opts?: { signal?: NodeJS.Signals; graceMs?: number; group?: boolean }): Promise<void>;
}

export function startJoinedAgent(o: JoinedAgentOptions): JoinedAgent {
  const args = [...(o.build ? [join(o.build, 'bin', 'gifee.js')] : cliCommand()), 'agent', '--server', o.server, ...(o.tokenFile ? ['--token-file', o.tokenFile] : []), '--data-dir', o.dataDir, '--node-name', o.nodeName, '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--bridge', o.bridge, ...(o.args ?? [])];
  const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(o.env ?? {}) }, detached: true });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  return {
    process: proc,
    log: () => log,
    stop: (s = {}) => stopAgent(proc, s.signal ?? 'SIGTERM', s.graceMs ?? 20_000, s.group ?? false),
  };
}

async function stopAgent(p: ChildProcess, sig: NodeJS.Signals, graceMs: number, group: boolean): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(group ? -p.pid! : p.pid!, s);
    } catch {
      // gone already
    }
  };
  if (p.exitCode === null && p.signalCode === null) {
    const exited = new Promise((r) => p.once('exit', r));
    signal(sig);
    const t = setTimeout(() => signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }
  // Whatever of the group outlived the agent.
  if (group) signal('SIGKILL');
}
