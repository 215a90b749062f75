// Stopping a child process a test started: SIGTERM (or the signal asked, e.g. SIGINT for a CLI that
// cleans up on Ctrl-C), SIGKILL after a grace period, resolved once it has exited (at once if it
// already has).

import type { ChildProcess } from 'node:child_process';

export async function stopProcess(p: ChildProcess | undefined, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}
