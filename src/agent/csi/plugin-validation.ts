// What the plugin watcher accepts from a registration socket and from a driver's NodeGetInfo before
// it writes anything to the API, as the kubelet's CSI plugin validates them: type CSIPlugin, a CSI
// 1.x version among the supported ones, a driver name Kubernetes accepts in a CSINode, an absolute
// socket path as endpoint; a node id CSINode can hold and topology segments that are valid labels.
// Each check returns the reason for NotifyRegistrationStatus(false, reason), or undefined.

import { isAbsolute } from 'node:path';
import { checkCSIDriverName } from '../../api/kinds/storage/csi-names.js';
import { labelValue, qualifiedName } from '../../api/names.js';
import type { RegistrationInfo } from '../../csi/registration.js';
import { CSI_PLUGIN_TYPE } from '../../csi/registration.js';

/** CSINode's limit on a node id (Kubernetes' csiNodeIDMaxLength). */
const NODE_ID_MAX = 192;
const MAX_VERSIONS = 64;
const MAX_TOPOLOGY_SEGMENTS = 32;

/** Whether a version string is CSI 1.x ("1.0.0", "v1.2", "1.5.0-alpha"), as the kubelet's highestSupportedVersion accepts. */
export function isCsi1(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(version);
  return !!m && Number(m[1]) === 1;
}

/** Why this registration is refused, or undefined; endpoint: where the driver's CSI service is. */
export function validatePluginInfo(info: RegistrationInfo, registrationSocketPath: string): { error?: string; endpoint: string } {
  const endpoint = endpointOf(info.endpoint, registrationSocketPath);
  if (info.type !== CSI_PLUGIN_TYPE) return { endpoint, error: `plugin type "${info.type}" is not supported: this agent registers only ${CSI_PLUGIN_TYPE} plugins` };
  const nameErrors = checkCSIDriverName('name', info.name);
  if (nameErrors.length) return { endpoint, error: `invalid CSI driver name "${info.name.slice(0, 100)}": ${nameErrors.map((e) => e.message).join('; ')}` };
  const versions = info.supportedVersions.slice(0, MAX_VERSIONS);
  if (!versions.some(isCsi1)) return { endpoint, error: `none of the versions specified ${JSON.stringify(versions)} are supported: this agent speaks CSI 1.x` };
  if (!isAbsolute(endpoint)) return { endpoint, error: `endpoint "${endpoint.slice(0, 200)}" is not an absolute unix socket path` };
  return { endpoint };
}

/** A registrar's endpoint: a path, or unix://path; empty means the registration socket serves CSI itself (as the kubelet reads it). */
function endpointOf(raw: string, registrationSocketPath: string): string {
  if (!raw) return registrationSocketPath;
  return raw.startsWith('unix://') ? raw.slice('unix://'.length) : raw;
}

/** Why a driver's NodeGetInfo cannot be written to CSINode and the Node, or undefined. */
export function validateNodeInfo(driver: string, info: { nodeId: string; maxVolumesPerNode?: number; accessibleTopology?: { segments: Record<string, string> } }): string | undefined {
  if (!info.nodeId) return `driver ${driver} reported an empty node id`;
  if (info.nodeId.length > NODE_ID_MAX) return `driver ${driver} reported a node id longer than ${NODE_ID_MAX} characters`;
  if (info.maxVolumesPerNode !== undefined && (!Number.isFinite(info.maxVolumesPerNode) || info.maxVolumesPerNode < 0)) return `driver ${driver} reported a negative max_volumes_per_node`;
  const segments = Object.entries(info.accessibleTopology?.segments ?? {});
  if (segments.length > MAX_TOPOLOGY_SEGMENTS) return `driver ${driver} reported ${segments.length} topology segments (at most ${MAX_TOPOLOGY_SEGMENTS})`;
  for (const [k, v] of segments) {
    const errs = [...qualifiedName(k).map((e) => `key "${k.slice(0, 100)}": ${e}`), ...labelValue(v).map((e) => `value "${v.slice(0, 100)}" of "${k.slice(0, 100)}": ${e}`)];
    if (errs.length) return `driver ${driver} reported a topology segment that is not a valid node label: ${errs[0]}`;
  }
  return undefined;
}
