// The process_* families every Prometheus client library exports (client_golang's process collector),
// with the same names, types and units, so the standard dashboards and alerts read gifee's
// components as they read Kubernetes'. Read at scrape time from process.* and /proc/self (Linux).

import { readdirSync, readFileSync } from 'node:fs';
import type { Registry } from './metrics.js';

/** Open file descriptors: the entries of /proc/self/fd (minus the one readdir itself opened, which it closes). */
function openFds(): number {
  try {
    return Math.max(0, readdirSync('/proc/self/fd').length - 1);
  } catch {
    return 0;
  }
}

/** The soft limit on open files ("Max open files" in /proc/self/limits). */
function maxFds(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Virtual memory size in bytes (VmSize in /proc/self/status, in kB). */
function virtualMemoryBytes(): number {
  try {
    const m = /^VmSize:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function registerProcessMetrics(registry: Registry) {
  const startSeconds = Date.now() / 1000 - process.uptime();
  registry.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  });
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage().rss);
  registry.gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', virtualMemoryBytes);
  registry.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => startSeconds);
  registry.gauge('process_open_fds', 'Number of open file descriptors.', openFds);
  registry.gauge('process_max_fds', 'Maximum number of open file descriptors.', maxFds);
}
