// Protects this process (the node agent, `gifee up`, `gifee server`) from the OOM killer the way
// the kubelet protects itself: oom_score_adj -999, so a pod's memory leak kills pods, not the
// control plane that would restart them. Lowering the score needs CAP_SYS_RESOURCE: without it
// (not root) the failure is logged, not hidden, and gifee runs on unprotected.

import { readFile, writeFile } from 'node:fs/promises';
import type { Logger } from '../../util/log.js';
import { NODE_DAEMON_OOM_SCORE_ADJ } from './oom-score.js';

export async function protectFromOomKiller(log: Logger, file = '/proc/self/oom_score_adj'): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    await writeFile(file, String(NODE_DAEMON_OOM_SCORE_ADJ));
    const now = Number((await readFile(file, 'utf8')).trim());
    if (now !== NODE_DAEMON_OOM_SCORE_ADJ) throw new Error(`the kernel kept oom_score_adj ${now}`);
    log.debug('protected from the OOM killer', { oomScoreAdj: NODE_DAEMON_OOM_SCORE_ADJ });
    return true;
  } catch (e) {
    log.warn(`cannot set this process's oom_score_adj to ${NODE_DAEMON_OOM_SCORE_ADJ} (needs root): under memory pressure the kernel may kill gifee before the pods`, { err: e });
    return false;
  }
}

/** CAP_SYS_RESOURCE's bit in the capability sets of /proc/PID/status. */
const CAP_SYS_RESOURCE = 24n;

/**
 * The lowest oom_score_adj this process (and runc, its child) may give a container: anything
 * with CAP_SYS_RESOURCE, else no lower than its own current value (the kernel refuses lowering
 * it, and runc would then fail to start the container). Sandboxes and user namespaces drop the
 * capability; containerd's restrict_oom_score_adj clamps the same way.
 */
export async function lowestSettableOomScoreAdj(procSelf = '/proc/self'): Promise<number> {
  const status = await readFile(`${procSelf}/status`, 'utf8');
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  if (m && (BigInt(`0x${m[1]}`) >> CAP_SYS_RESOURCE) & 1n) return -1000;
  const own = Number((await readFile(`${procSelf}/oom_score_adj`, 'utf8')).trim());
  if (!Number.isInteger(own)) throw new Error(`unreadable ${procSelf}/oom_score_adj`);
  return own;
}
