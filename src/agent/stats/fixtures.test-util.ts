// Made-up cgroup trees and /proc for the stats tests: files written as the kernel presents them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeTree(root: string, files: Record<string, string>) {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
}

/** A v1 cgroup's files (cpuacct and memory hierarchies) under root, for the cgroup at path. */
export function v1Cgroup(path: string, o: { cpuNs: number; user?: number; system?: number; usage: number; inactiveFile: number; rss: number; cache?: number; limit?: string }): Record<string, string> {
  return {
    [join('cpuacct', path, 'cpuacct.usage')]: `${o.cpuNs}\n`,
    [join('cpuacct', path, 'cpuacct.stat')]: `user ${o.user ?? 0}\nsystem ${o.system ?? 0}\n`,
    [join('memory', path, 'memory.usage_in_bytes')]: `${o.usage}\n`,
    [join('memory', path, 'memory.stat')]: `cache 1\nrss 2\ninactive_file 3\ntotal_cache ${o.cache ?? 0}\ntotal_rss ${o.rss}\ntotal_inactive_file ${o.inactiveFile}\ntotal_pgfault 10\ntotal_pgmajfault 1\n`,
    [join('memory', path, 'memory.limit_in_bytes')]: `${o.limit ?? '9223372036854771712'}\n`,
  };
}

/** A v2 cgroup's files under root (Documentation/admin-guide/cgroup-v2.rst names). */
export function v2Cgroup(path: string, o: { usageUsec: number; userUsec?: number; systemUsec?: number; current?: number; anon?: number; file?: number; inactiveFile?: number; max?: string }): Record<string, string> {
  const files: Record<string, string> = {
    [join(path, 'cpu.stat')]: `usage_usec ${o.usageUsec}\nuser_usec ${o.userUsec ?? 0}\nsystem_usec ${o.systemUsec ?? 0}\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`,
  };
  if (o.current !== undefined) {
    files[join(path, 'memory.current')] = `${o.current}\n`;
    files[join(path, 'memory.stat')] = `anon ${o.anon ?? 0}\nfile ${o.file ?? 0}\nkernel 0\nactive_anon 0\ninactive_anon 0\nactive_file 0\ninactive_file ${o.inactiveFile ?? 0}\npgfault 20\npgmajfault 2\n`;
    files[join(path, 'memory.max')] = `${o.max ?? 'max'}\n`;
  }
  return files;
}
