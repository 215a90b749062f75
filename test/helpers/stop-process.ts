// Stopping a child process a test started: SIGTERM, SIGKILL after a grace period, resolved once it
// has exited (at once if it already has).

import type { ChildProcess } from 'node:child_process';

export async function stopProcess(p: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}
