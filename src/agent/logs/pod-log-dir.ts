// Where a pod's container logs live on the node: DATA/logs/<namespace>_<name>_<uid>/<container>/<restart>.log,
// the kubelet's layout. Namespaces and names are DNS labels/subdomains (no "_"), so the uid is what
// follows the last "_"; orphan cleanup, which knows only the uid, finds the directory by it.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface PodRef {
  metadata: { namespace?: string; name?: string; uid?: string };
}

/** The root all pods' log directories are under. */
export function logsRoot(dataDir: string): string {
  return join(dataDir, 'logs');
}

/** The pod's log directory name: "<namespace>_<name>_<uid>". */
export function podLogDirName(namespace: string, name: string, uid: string): string {
  return `${namespace}_${name}_${uid}`;
}

/** The pod's log directory. */
export function podLogDir(dataDir: string, pod: PodRef, uid = pod.metadata.uid ?? ''): string {
  return join(logsRoot(dataDir), podLogDirName(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', uid));
}

/** One container's log directory (its instances' logs are "<restart>.log" in it). */
export function containerLogDir(dataDir: string, pod: PodRef, container: string, uid?: string): string {
  return join(podLogDir(dataDir, pod, uid), container);
}

/** The pod uid a log directory name carries, or undefined if the name is not "<ns>_<name>_<uid>". */
export function uidOfLogDirName(dirName: string): string | undefined {
  const parts = dirName.split('_');
  return parts.length === 3 && parts.every((p) => p) ? parts[2] : undefined;
}

/** Log directories of the pod with this uid (normally one; none if it never logged). */
export async function findPodLogDirs(dataDir: string, uid: string): Promise<string[]> {
  if (!uid) return [];
  const names = await readdir(logsRoot(dataDir)).catch(() => [] as string[]);
  return names.filter((n) => uidOfLogDirName(n) === uid).map((n) => join(logsRoot(dataDir), n));
}

/** Uids of all pods that have a log directory. */
export async function logDirUids(dataDir: string): Promise<string[]> {
  const names = await readdir(logsRoot(dataDir)).catch(() => [] as string[]);
  return names.map(uidOfLogDirName).filter((u): u is string => !!u);
}
