// Disk use of the trees the summary reports (writable layers, logs, volumes), measured with the
// eviction manager's bounded walk (eviction/disk-usage.ts) at most once a minute per tree, as the
// kubelet's fsResourceAnalyzer measures volumes on a period rather than per scrape: walking 110
// pods' directories on every 15 s scrape would cost more than all the cgroup reads together.

import { diskUsage, type DiskUsage } from '../eviction/disk-usage.js';
import { logFailureOnce } from '../../util/best-effort.js';
import { logger } from '../../util/log.js';

const log = logger('agent');

export const DISK_INTERVAL_MS = 60_000;

export class DiskUsageCache {
  private entries = new Map<string, { at: number; usage?: DiskUsage; seen: number }>();
  private round = 0;

  constructor(
    private intervalMs = DISK_INTERVAL_MS,
    private walk: (paths: string[]) => Promise<DiskUsage> = (paths) => diskUsage(paths),
  ) {}

  /** Starts a collection round: trees not asked for during it are forgotten at the end (no stale series). */
  begin() {
    this.round++;
  }

  /** The tree's last measurement, walked again first if it is older than the interval. */
  async get(path: string, now = Date.now()): Promise<DiskUsage | undefined> {
    let e = this.entries.get(path);
    if (!e || now - e.at >= this.intervalMs) {
      const usage = await this.walk([path]).catch(logFailureOnce(log, 'measuring disk usage', { path }));
      e = { at: now, usage, seen: this.round };
      this.entries.set(path, e);
    }
    e.seen = this.round;
    return e.usage;
  }

  end() {
    for (const [k, e] of this.entries) if (e.seen !== this.round) this.entries.delete(k);
  }

  get size() {
    return this.entries.size;
  }
}
