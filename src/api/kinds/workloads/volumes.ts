// Pod volumes: a name plus exactly one source. Every in-tree source Kubernetes v1.32 knows is
// declared so real manifests validate, even where this node agent cannot mount them.

import { labelSelector } from '../../meta.js';
import { type ObjectSchema, bool, enumOf, int32, int64, listOf, quantity, str, stringMap, struct } from '../../schema.js';
import { persistentVolumeClaimTemplate } from './pvc.js';
import { coreName as core, keyToPath, localObjectReference, objectFieldSelector, resourceFieldSelector } from './refs.js';

const DEFAULT_MODE = 0o644; // 420: what Kubernetes defaults projected files to

const fsType = (extra = '') => str(`Filesystem type to mount, e.g. ext4${extra}.`);
const readOnly = (what = 'Force read-only mounts.') => bool(what);

export const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

export const hostPathVolumeSource = struct(
  core('HostPathVolumeSource'),
  'A file or directory of the node, mounted into the pod.',
  {
    path: str('Path on the node; symlinks are followed.'),
    type: enumOf(HOST_PATH_TYPES, 'What must exist at the path (empty: no check).', { default: '' }),
  },
  { required: ['path'] },
);

export const emptyDirVolumeSource = struct(core('EmptyDirVolumeSource'), 'A scratch directory that lives as long as the pod.', {
  medium: str('Storage medium: empty for the node default, or Memory (tmpfs).'),
  sizeLimit: quantity('Maximum size of the directory.'),
});

export const gcePersistentDiskVolumeSource = struct(
  core('GCEPersistentDiskVolumeSource'),
  'A Google Compute Engine persistent disk (deprecated in-tree plugin).',
  {
    pdName: str('Name of the disk.'),
    fsType: fsType(),
    partition: int32('Partition to mount.'),
    readOnly: readOnly(),
  },
  { required: ['pdName'] },
);

export const awsElasticBlockStoreVolumeSource = struct(
  core('AWSElasticBlockStoreVolumeSource'),
  'An AWS EBS volume (deprecated in-tree plugin).',
  {
    volumeID: str('ID of the EBS volume.'),
    fsType: fsType(),
    partition: int32('Partition to mount.'),
    readOnly: readOnly(),
  },
  { required: ['volumeID'] },
);

export const gitRepoVolumeSource = struct(
  core('GitRepoVolumeSource'),
  'A directory cloned from a git repository (deprecated).',
  {
    repository: str('Repository URL.'),
    revision: str('Commit to check out.'),
    directory: str('Target directory name; "." means the volume root.'),
  },
  { required: ['repository'] },
);

export const secretVolumeSource = struct(core('SecretVolumeSource'), "A Secret's keys as files.", {
  secretName: str("Name of the Secret in the pod's namespace."),
  items: listOf(keyToPath, 'Keys to project and where; all keys when empty.'),
  defaultMode: int32('Default file mode bits (0-0777).', { default: DEFAULT_MODE }),
  optional: bool('Whether the Secret or its keys may be missing.'),
});

export const nfsVolumeSource = struct(
  core('NFSVolumeSource'),
  'An NFS export.',
  {
    server: str('NFS server host name or IP.'),
    path: str('Exported path.'),
    readOnly: readOnly(),
  },
  { required: ['server', 'path'] },
);

export const iscsiVolumeSource = struct(
  core('ISCSIVolumeSource'),
  'An iSCSI disk.',
  {
    targetPortal: str('Target portal, IP or IP:port.'),
    iqn: str('Target iSCSI qualified name.'),
    lun: int32('Target LUN.'),
    iscsiInterface: str('iSCSI interface name (default "default").'),
    fsType: fsType(),
    readOnly: readOnly(),
    portals: listOf(str(), 'Further target portals.'),
    chapAuthDiscovery: bool('Use CHAP authentication for discovery.'),
    chapAuthSession: bool('Use CHAP authentication for the session.'),
    secretRef: localObjectReference,
    initiatorName: str('Custom initiator name.'),
  },
  { required: ['targetPortal', 'iqn', 'lun'] },
);

export const glusterfsVolumeSource = struct(
  core('GlusterfsVolumeSource'),
  'A GlusterFS volume.',
  {
    endpoints: str('Endpoints object naming the Gluster servers.'),
    path: str('Gluster volume path.'),
    readOnly: readOnly(),
  },
  { required: ['endpoints', 'path'] },
);

export const persistentVolumeClaimVolumeSource = struct(
  core('PersistentVolumeClaimVolumeSource'),
  "A PersistentVolumeClaim in the pod's namespace.",
  {
    claimName: str('Name of the claim.'),
    readOnly: readOnly(),
  },
  { required: ['claimName'] },
);

export const rbdVolumeSource = struct(
  core('RBDVolumeSource'),
  'A Ceph RADOS block device.',
  {
    monitors: listOf(str(), 'Ceph monitors.'),
    image: str('RADOS image name.'),
    fsType: fsType(),
    pool: str('RADOS pool (default rbd).'),
    user: str('RADOS user (default admin).'),
    keyring: str('Keyring path (default /etc/ceph/keyring).'),
    secretRef: localObjectReference,
    readOnly: readOnly(),
  },
  { required: ['monitors', 'image'] },
);

export const flexVolumeSource = struct(
  core('FlexVolumeSource'),
  'A volume handled by an exec-based FlexVolume driver.',
  {
    driver: str('Driver name.'),
    fsType: fsType(),
    secretRef: localObjectReference,
    readOnly: readOnly(),
    options: stringMap('Driver options.'),
  },
  { required: ['driver'] },
);

export const cinderVolumeSource = struct(
  core('CinderVolumeSource'),
  'An OpenStack Cinder volume.',
  {
    volumeID: str('Cinder volume ID.'),
    fsType: fsType(),
    readOnly: readOnly(),
    secretRef: localObjectReference,
  },
  { required: ['volumeID'] },
);

export const cephFSVolumeSource = struct(
  core('CephFSVolumeSource'),
  'A CephFS mount.',
  {
    monitors: listOf(str(), 'Ceph monitors.'),
    path: str('Root path inside the filesystem (default /).'),
    user: str('RADOS user (default admin).'),
    secretFile: str("Path of the user's key file."),
    secretRef: localObjectReference,
    readOnly: readOnly(),
  },
  { required: ['monitors'] },
);

export const flockerVolumeSource = struct(core('FlockerVolumeSource'), 'A Flocker dataset.', {
  datasetName: str('Dataset name (deprecated).'),
  datasetUUID: str('Dataset UUID.'),
});

export const downwardAPIVolumeFile = struct(
  core('DownwardAPIVolumeFile'),
  'One file filled from a pod field or a container resource.',
  {
    path: str('Relative file path; no "..".'),
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    mode: int32('File mode bits (0-0777).'),
  },
  { required: ['path'] },
);

export const downwardAPIVolumeSource = struct(core('DownwardAPIVolumeSource'), 'Pod metadata and container resources as files.', {
  items: listOf(downwardAPIVolumeFile, 'Files to write.'),
  defaultMode: int32('Default file mode bits (0-0777).', { default: DEFAULT_MODE }),
});

export const fcVolumeSource = struct(core('FCVolumeSource'), 'A Fibre Channel disk.', {
  targetWWNs: listOf(str(), 'Target world wide names.'),
  lun: int32('Target LUN.'),
  fsType: fsType(),
  readOnly: readOnly(),
  wwids: listOf(str(), 'Volume world wide identifiers (instead of targetWWNs and lun).'),
});

export const azureFileVolumeSource = struct(
  core('AzureFileVolumeSource'),
  'An Azure File share.',
  {
    secretName: str('Secret holding the storage account name and key.'),
    shareName: str('Share name.'),
    readOnly: readOnly(),
  },
  { required: ['secretName', 'shareName'] },
);

export const configMapVolumeSource = struct(core('ConfigMapVolumeSource'), "A ConfigMap's keys as files.", {
  name: str('Name of the ConfigMap.'),
  items: listOf(keyToPath, 'Keys to project and where; all keys when empty.'),
  defaultMode: int32('Default file mode bits (0-0777).', { default: DEFAULT_MODE }),
  optional: bool('Whether the ConfigMap or its keys may be missing.'),
});

export const vsphereVirtualDiskVolumeSource = struct(
  core('VsphereVirtualDiskVolumeSource'),
  'A vSphere virtual disk.',
  {
    volumePath: str('Path of the vmdk.'),
    fsType: fsType(),
    storagePolicyName: str('Storage policy (SPBM) name.'),
    storagePolicyID: str('Storage policy (SPBM) ID.'),
  },
  { required: ['volumePath'] },
);

export const quobyteVolumeSource = struct(
  core('QuobyteVolumeSource'),
  'A Quobyte volume.',
  {
    registry: str('Registry services as host:port, comma separated.'),
    volume: str('Existing volume name.'),
    readOnly: readOnly(),
    user: str('User to map access to.'),
    group: str('Group to map access to.'),
    tenant: str('Owning tenant.'),
  },
  { required: ['registry', 'volume'] },
);

export const azureDiskVolumeSource = struct(
  core('AzureDiskVolumeSource'),
  'An Azure data disk.',
  {
    diskName: str('Disk name.'),
    diskURI: str('Disk URI.'),
    cachingMode: enumOf(['None', 'ReadOnly', 'ReadWrite'], 'Host caching mode.'),
    fsType: fsType(),
    readOnly: readOnly(),
    kind: enumOf(['Dedicated', 'Managed', 'Shared'], 'Disk kind.'),
  },
  { required: ['diskName', 'diskURI'] },
);

export const photonPersistentDiskVolumeSource = struct(
  core('PhotonPersistentDiskVolumeSource'),
  'A Photon Controller persistent disk.',
  {
    pdID: str('Disk ID.'),
    fsType: fsType(),
  },
  { required: ['pdID'] },
);

export const secretProjection = struct(core('SecretProjection'), "A Secret's keys in a projected volume.", {
  name: str('Name of the Secret.'),
  items: listOf(keyToPath, 'Keys to project and where; all keys when empty.'),
  optional: bool('Whether the Secret or its keys may be missing.'),
});

export const configMapProjection = struct(core('ConfigMapProjection'), "A ConfigMap's keys in a projected volume.", {
  name: str('Name of the ConfigMap.'),
  items: listOf(keyToPath, 'Keys to project and where; all keys when empty.'),
  optional: bool('Whether the ConfigMap or its keys may be missing.'),
});

export const downwardAPIProjection = struct(core('DownwardAPIProjection'), 'Pod metadata and container resources in a projected volume.', {
  items: listOf(downwardAPIVolumeFile, 'Files to write.'),
});

export const serviceAccountTokenProjection = struct(
  core('ServiceAccountTokenProjection'),
  'A service account token, refreshed before it expires.',
  {
    audience: str('Intended audience of the token; the API server by default.'),
    expirationSeconds: int64('Requested lifetime; at least 600.', { default: 3600 }),
    path: str('Relative path of the token file.'),
  },
  { required: ['path'] },
);

export const clusterTrustBundleProjection = struct(
  core('ClusterTrustBundleProjection'),
  'Certificates from ClusterTrustBundle objects, as one PEM file.',
  {
    name: str('A single bundle by name.'),
    signerName: str('All bundles of this signer.'),
    labelSelector: labelSelector,
    optional: bool('Start the pod even if no bundle matches.'),
    path: str('Relative path of the file.'),
  },
  { required: ['path'] },
);

export const volumeProjection = struct(core('VolumeProjection'), 'One source of a projected volume.', {
  secret: secretProjection,
  downwardAPI: downwardAPIProjection,
  configMap: configMapProjection,
  serviceAccountToken: serviceAccountTokenProjection,
  clusterTrustBundle: clusterTrustBundleProjection,
});

export const projectedVolumeSource = struct(core('ProjectedVolumeSource'), 'Several sources (secrets, config maps, downward API, tokens) in one directory.', {
  sources: listOf(volumeProjection, 'The projected sources.'),
  defaultMode: int32('Default file mode bits (0-0777).', { default: DEFAULT_MODE }),
});

export const portworxVolumeSource = struct(
  core('PortworxVolumeSource'),
  'A Portworx volume.',
  {
    volumeID: str('Volume ID.'),
    fsType: fsType(),
    readOnly: readOnly(),
  },
  { required: ['volumeID'] },
);

export const scaleIOVolumeSource = struct(
  core('ScaleIOVolumeSource'),
  'A ScaleIO volume.',
  {
    gateway: str('API gateway address.'),
    system: str('Storage system name.'),
    secretRef: localObjectReference,
    sslEnabled: bool('Use SSL to the gateway.'),
    protectionDomain: str('Protection domain.'),
    storagePool: str('Storage pool.'),
    storageMode: str('ThickProvisioned or ThinProvisioned.'),
    volumeName: str('Existing volume name.'),
    fsType: fsType(' (default xfs)'),
    readOnly: readOnly(),
  },
  { required: ['gateway', 'system', 'secretRef'] },
);

export const storageOSVolumeSource = struct(core('StorageOSVolumeSource'), 'A StorageOS volume.', {
  volumeName: str('Volume name.'),
  volumeNamespace: str("StorageOS namespace; the pod's by default."),
  fsType: fsType(),
  readOnly: readOnly(),
  secretRef: localObjectReference,
});

export const csiVolumeSource = struct(
  core('CSIVolumeSource'),
  'An inline ephemeral volume from a CSI driver.',
  {
    driver: str('CSI driver name.'),
    readOnly: readOnly('Mount read-only.'),
    fsType: str('Filesystem type; the driver decides when empty.'),
    volumeAttributes: stringMap('Driver-specific attributes.'),
    nodePublishSecretRef: localObjectReference,
  },
  { required: ['driver'] },
);

export const ephemeralVolumeSource = struct(core('EphemeralVolumeSource'), 'A volume from a claim created with the pod and deleted with it.', {
  volumeClaimTemplate: persistentVolumeClaimTemplate,
});

export const imageVolumeSource = struct(core('ImageVolumeSource'), 'The contents of an OCI image or artifact, mounted read-only.', {
  reference: str('Image reference, as for a container image.'),
  pullPolicy: enumOf(['Always', 'IfNotPresent', 'Never'], 'When to pull; Always for :latest, else IfNotPresent.'),
});

/** Every volume source, by field name: exactly one may be set on a volume. */
export const volumeSources: Record<string, ObjectSchema> = {
  hostPath: hostPathVolumeSource,
  emptyDir: emptyDirVolumeSource,
  gcePersistentDisk: gcePersistentDiskVolumeSource,
  awsElasticBlockStore: awsElasticBlockStoreVolumeSource,
  gitRepo: gitRepoVolumeSource,
  secret: secretVolumeSource,
  nfs: nfsVolumeSource,
  iscsi: iscsiVolumeSource,
  glusterfs: glusterfsVolumeSource,
  persistentVolumeClaim: persistentVolumeClaimVolumeSource,
  rbd: rbdVolumeSource,
  flexVolume: flexVolumeSource,
  cinder: cinderVolumeSource,
  cephfs: cephFSVolumeSource,
  flocker: flockerVolumeSource,
  downwardAPI: downwardAPIVolumeSource,
  fc: fcVolumeSource,
  azureFile: azureFileVolumeSource,
  configMap: configMapVolumeSource,
  vsphereVolume: vsphereVirtualDiskVolumeSource,
  quobyte: quobyteVolumeSource,
  azureDisk: azureDiskVolumeSource,
  photonPersistentDisk: photonPersistentDiskVolumeSource,
  projected: projectedVolumeSource,
  portworxVolume: portworxVolumeSource,
  scaleIO: scaleIOVolumeSource,
  storageos: storageOSVolumeSource,
  csi: csiVolumeSource,
  ephemeral: ephemeralVolumeSource,
  image: imageVolumeSource,
};

export const volume = struct(
  core('Volume'),
  'A named volume containers of the pod can mount; exactly one source is set (emptyDir when none).',
  {
    name: str('Volume name, a DNS label unique in the pod.'),
    ...volumeSources,
  },
  { required: ['name'] },
);
