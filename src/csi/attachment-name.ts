// The name of the VolumeAttachment that attaches a CSI volume to a node, as Kubernetes spells it
// (csi_attacher.go getAttachmentName): whoever creates it (the attach/detach side) and whoever waits
// for it (the agent's mounter) must agree on it without a lookup.

import { createHash } from 'node:crypto';

/** csi-<sha256(volumeHandle + driver + nodeName)>: Kubernetes hashes the volume handle, not the PV name. */
export const volumeAttachmentName = (volumeHandle: string, driver: string, nodeName: string) => `csi-${createHash('sha256').update(`${volumeHandle}${driver}${nodeName}`).digest('hex')}`;
