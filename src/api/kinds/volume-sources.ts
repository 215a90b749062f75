// Volume sources shared by pods (spec.volumes) and PersistentVolumes. The ones gifee implements are
// declared field by field; the legacy cloud and in-tree plugins are declared by name and accept
// their fields as given (kept, not interpreted), so manifests that use them still validate.

import { bool, int32, listOf, mapList, object, quantity, str, stringMap, struct, type ObjectSchema } from '../schema.js';
import { labelSelector } from '../meta.js';

const loRef = struct('io.k8s.api.core.v1.LocalObjectReference', 'A reference to an object by name in the same namespace.', { name: str('Name of the referent.') }, { mapType: 'atomic' });
const secretRef = struct('io.k8s.api.core.v1.SecretReference', 'A reference to a Secret in any namespace.', { name: str('Name of the secret.'), namespace: str('Namespace of the secret.') }, { mapType: 'atomic' });

/** A plugin gifee does not run: its fields are kept as given. */
const opaque = (name: string, what: string): ObjectSchema => struct(`io.k8s.api.core.v1.${name}`, `${what} (not implemented by gifee; fields are kept as given).`, {}, { preserveUnknownFields: true });

export const keyToPath = struct(
  'io.k8s.api.core.v1.KeyToPath',
  'Maps a data key to a file path in the volume.',
  {
    key: str('The data key.'),
    path: str('Relative file path to write the value to.'),
    mode: int32('File mode bits (0000-0777).'),
  },
  { required: ['key', 'path'] },
);

export const hostPathSource = struct(
  'io.k8s.api.core.v1.HostPathVolumeSource',
  'A file or directory on the node.',
  {
    path: str('Path on the node.'),
    type: str('What must be at the path: "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice.'),
  },
  { required: ['path'] },
);

export const nfsSource = struct(
  'io.k8s.api.core.v1.NFSVolumeSource',
  'An NFS export.',
  {
    server: str('NFS server host or IP.'),
    path: str('Exported path.'),
    readOnly: bool('Mount read-only.'),
  },
  { required: ['server', 'path'] },
);

export const emptyDirSource = struct('io.k8s.api.core.v1.EmptyDirVolumeSource', 'A directory that starts empty and lives as long as the pod.', {
  medium: str('"" (node disk) or Memory (tmpfs).'),
  sizeLimit: quantity('Upper bound on the space used.'),
});

export const secretVolumeSource = struct('io.k8s.api.core.v1.SecretVolumeSource', "A Secret's data as files.", {
  secretName: str('Name of the secret.'),
  items: listOf(keyToPath, 'Keys to project, and where; all keys when empty.'),
  defaultMode: int32('Mode bits for the files.'),
  optional: bool('Whether the secret must exist.'),
});

export const configMapVolumeSource = struct('io.k8s.api.core.v1.ConfigMapVolumeSource', "A ConfigMap's data as files.", {
  name: str('Name of the ConfigMap.'),
  items: listOf(keyToPath, 'Keys to project, and where; all keys when empty.'),
  defaultMode: int32('Mode bits for the files.'),
  optional: bool('Whether the ConfigMap must exist.'),
});

export const objectFieldSelector = struct(
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'Selects a field of the pod.',
  {
    apiVersion: str('Version of the schema the path is in (default v1).'),
    fieldPath: str('Path of the field, e.g. metadata.name.'),
  },
  { required: ['fieldPath'], mapType: 'atomic' },
);

export const resourceFieldSelector = struct(
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'Selects a container resource (limits.cpu, requests.memory...).',
  {
    containerName: str('Container name (for volumes).'),
    resource: str('The resource, e.g. limits.cpu.'),
    divisor: quantity('Output unit, default 1.'),
  },
  { required: ['resource'], mapType: 'atomic' },
);

export const downwardAPIVolumeFile = struct(
  'io.k8s.api.core.v1.DownwardAPIVolumeFile',
  'A file holding pod information.',
  {
    path: str('Relative path of the file.'),
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    mode: int32('Mode bits of the file.'),
  },
  { required: ['path'] },
);

export const downwardAPISource = struct('io.k8s.api.core.v1.DownwardAPIVolumeSource', 'Pod information as files.', {
  items: listOf(downwardAPIVolumeFile, 'The files.'),
  defaultMode: int32('Mode bits for the files.'),
});

const projection = struct('io.k8s.api.core.v1.VolumeProjection', 'One source projected into the volume.', {
  secret: struct('io.k8s.api.core.v1.SecretProjection', "A Secret's keys.", { name: str('Secret name.'), items: listOf(keyToPath), optional: bool() }),
  configMap: struct('io.k8s.api.core.v1.ConfigMapProjection', "A ConfigMap's keys.", { name: str('ConfigMap name.'), items: listOf(keyToPath), optional: bool() }),
  downwardAPI: struct('io.k8s.api.core.v1.DownwardAPIProjection', 'Pod information.', { items: listOf(downwardAPIVolumeFile) }),
  serviceAccountToken: struct(
    'io.k8s.api.core.v1.ServiceAccountTokenProjection',
    'A service account token.',
    {
      audience: str('Intended audience of the token.'),
      expirationSeconds: { type: 'integer', format: 'int64', description: 'Requested validity.' },
      path: str('Relative path of the token file.'),
    },
    { required: ['path'] },
  ),
  clusterTrustBundle: struct('io.k8s.api.core.v1.ClusterTrustBundleProjection', 'Trust anchors.', { name: str(), signerName: str(), labelSelector, optional: bool(), path: str() }, { required: ['path'] }),
});

export const projectedSource = struct('io.k8s.api.core.v1.ProjectedVolumeSource', 'Several sources projected into one directory.', {
  sources: listOf(projection, 'The sources.'),
  defaultMode: int32('Mode bits for the files.'),
});

export const pvcSource = struct(
  'io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource',
  "A PersistentVolumeClaim in the pod's namespace.",
  {
    claimName: str('Name of the claim.'),
    readOnly: bool('Mount read-only.'),
  },
  { required: ['claimName'] },
);

export const localSource = struct(
  'io.k8s.api.core.v1.LocalVolumeSource',
  'A disk, partition or directory local to a node.',
  {
    path: str('Full path on the node.'),
    fsType: str('Filesystem type, for block devices.'),
  },
  { required: ['path'] },
);

export const csiSource = struct(
  'io.k8s.api.core.v1.CSIVolumeSource',
  'An ephemeral volume from a CSI driver.',
  {
    driver: str('Name of the CSI driver.'),
    readOnly: bool(),
    fsType: str(),
    volumeAttributes: stringMap('Driver-specific attributes.'),
    nodePublishSecretRef: loRef,
  },
  { required: ['driver'] },
);

export const csiPersistentSource = struct(
  'io.k8s.api.core.v1.CSIPersistentVolumeSource',
  'A persistent volume from a CSI driver.',
  {
    driver: str('Name of the CSI driver.'),
    volumeHandle: str("The driver's ID of the volume."),
    readOnly: bool(),
    fsType: str(),
    volumeAttributes: stringMap(),
    controllerPublishSecretRef: secretRef,
    nodeStageSecretRef: secretRef,
    nodePublishSecretRef: secretRef,
    controllerExpandSecretRef: secretRef,
    nodeExpandSecretRef: secretRef,
  },
  { required: ['driver', 'volumeHandle'] },
);

export const imageSource = struct('io.k8s.api.core.v1.ImageVolumeSource', "An OCI image's content as a read-only volume.", {
  reference: str('The image reference.'),
  pullPolicy: str('Always, Never or IfNotPresent.'),
});

/** In-tree plugins gifee does not run, by field name. */
export const legacySources = {
  awsElasticBlockStore: opaque('AWSElasticBlockStoreVolumeSource', 'An AWS EBS disk'),
  azureDisk: opaque('AzureDiskVolumeSource', 'An Azure data disk'),
  azureFile: opaque('AzureFileVolumeSource', 'An Azure File share'),
  cephfs: opaque('CephFSVolumeSource', 'A Ceph filesystem'),
  cinder: opaque('CinderVolumeSource', 'An OpenStack Cinder volume'),
  fc: opaque('FCVolumeSource', 'A Fibre Channel volume'),
  flexVolume: opaque('FlexVolumeSource', 'A FlexVolume driver volume'),
  flocker: opaque('FlockerVolumeSource', 'A Flocker volume'),
  gcePersistentDisk: opaque('GCEPersistentDiskVolumeSource', 'A GCE persistent disk'),
  gitRepo: opaque('GitRepoVolumeSource', 'A git repository checkout'),
  glusterfs: opaque('GlusterfsVolumeSource', 'A GlusterFS volume'),
  iscsi: opaque('ISCSIVolumeSource', 'An iSCSI disk'),
  photonPersistentDisk: opaque('PhotonPersistentDiskVolumeSource', 'A Photon disk'),
  portworxVolume: opaque('PortworxVolumeSource', 'A Portworx volume'),
  quobyte: opaque('QuobyteVolumeSource', 'A Quobyte volume'),
  rbd: opaque('RBDVolumeSource', 'A Rados block device'),
  scaleIO: opaque('ScaleIOVolumeSource', 'A ScaleIO volume'),
  storageos: opaque('StorageOSVolumeSource', 'A StorageOS volume'),
  vsphereVolume: opaque('VsphereVirtualDiskVolumeSource', 'A vSphere disk'),
};

export { object, mapList };
