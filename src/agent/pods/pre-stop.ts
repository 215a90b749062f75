// A container's preStop hook, run when its pod is deleted and before SIGTERM: an exec'd command, a
// sleep or an HTTP GET, each cut short by the pod's grace deadline (what is left of it goes to SIGTERM).

import { runProbe } from '../probes/prober.js';
import type { Runtime } from '../runtime/types.js';
import type { Container } from './types.js';

/** Runs c's preStop hook in the container's instance id until it ends or deadline (epoch ms) passes; throws what failed. */
export async function runPreStop(runtime: Runtime, id: string, c: Container, podIP: string, deadline: number): Promise<void> {
  const hook = c.lifecycle?.preStop;
  if (!hook) return;
  const left = deadline - Date.now();
  if (left <= 0) return;
  if (hook.exec?.command) {
    const s = await runtime.exec(id, hook.exec.command, { tty: false, stdin: false });
    s.stdout.resume();
    s.stderr?.resume();
    const t = setTimeout(() => s.kill(), left);
    await s.exited;
    clearTimeout(t);
  } else if (hook.sleep) {
    const seconds = hook.sleep.seconds;
    await new Promise((res) => setTimeout(res, Math.min(left, seconds * 1000)));
  } else if (hook.httpGet) {
    await runProbe({ httpGet: hook.httpGet, timeoutSeconds: Math.ceil(left / 1000) }, { podIP, container: c, exec: async () => ({ exitCode: 1, output: '' }) });
  }
}
