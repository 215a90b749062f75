// The node agent's CSI flag: --kubelet-dir, the base of the paths CSI drivers meet the agent at
// (plugins_registry/ for registration sockets, plugins/<driver>/ for their sockets and staging,
// pods/<uid>/volumes/ for publish targets; src/csi/paths.ts). Default DATA/agent; third-party
// drivers whose DaemonSets hard-code /var/lib/kubelet need --kubelet-dir /var/lib/kubelet.

import { isAbsolute } from 'node:path';
import { type FlagTable, UsageError } from './args.js';

export const CSI_FLAG_TABLE: FlagTable = {
  'kubelet-dir': { type: 'string', value: 'DIR', help: "base of the CSI drivers' paths (plugins_registry/, plugins/, pods/), default DATA/agent;\n/var/lib/kubelet for third-party drivers whose manifests hard-code it" },
};

export interface CsiSettings {
  /** Absolute; unset: the agent's own directory. */
  kubeletDir?: string;
}

export function csiSettingsOf(f: Record<string, string | boolean | undefined>): CsiSettings {
  const dir = f['kubelet-dir'];
  if (dir === undefined) return {};
  if (typeof dir !== 'string' || !isAbsolute(dir)) throw new UsageError(`--kubelet-dir must be an absolute path, not "${String(dir)}"`);
  return { kubeletDir: dir.replace(/\/+$/, '') || '/' };
}
