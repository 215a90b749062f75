// A container of a pod: image and command, ports, environment, mounts, resources, probes,
// lifecycle hooks and security. Ephemeral (debug) containers share the same fields.

import { type ObjectSchema, bool, enumOf, int32, listOf, mapList, str, struct } from '../../schema.js';
import { containerResizePolicy, lifecycle, probe } from './probes.js';
import { configMapKeySelector, coreName as core, objectFieldSelector, resourceFieldSelector, resourceRequirements, secretKeySelector } from './refs.js';
import { securityContext } from './security.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export const containerPort = struct(
  core('ContainerPort'),
  'A network port a container listens on.',
  {
    name: str('An IANA service name for the port, unique in the pod; Services can refer to it.'),
    hostPort: int32('Port to expose on the node (1-65535); rarely needed.'),
    containerPort: int32("Port number on the pod's IP (1-65535)."),
    protocol: enumOf(PROTOCOLS, 'UDP, TCP or SCTP.', { default: 'TCP' }),
    hostIP: str('Node IP to bind the host port to.'),
  },
  { required: ['containerPort'] },
);

export const envVarSource = struct(core('EnvVarSource'), "Where an environment variable's value comes from; exactly one source.", {
  fieldRef: objectFieldSelector,
  resourceFieldRef: resourceFieldSelector,
  configMapKeyRef: configMapKeySelector,
  secretKeyRef: secretKeySelector,
});

export const envVar = struct(
  core('EnvVar'),
  'An environment variable of the container.',
  {
    name: str('Variable name.'),
    value: str('Value; $(VAR) references to earlier variables are expanded, $$ escapes.'),
    valueFrom: envVarSource,
  },
  { required: ['name'] },
);

export const configMapEnvSource = struct(core('ConfigMapEnvSource'), 'A ConfigMap whose keys all become environment variables.', {
  name: str('Name of the ConfigMap.'),
  optional: bool('Whether the ConfigMap may be missing.'),
});

export const secretEnvSource = struct(core('SecretEnvSource'), 'A Secret whose keys all become environment variables.', {
  name: str('Name of the Secret.'),
  optional: bool('Whether the Secret may be missing.'),
});

export const envFromSource = struct(core('EnvFromSource'), 'A ConfigMap or Secret to import as environment variables.', {
  prefix: str('Prefix added to every imported variable name.'),
  configMapRef: configMapEnvSource,
  secretRef: secretEnvSource,
});

export const volumeMount = struct(
  core('VolumeMount'),
  "Mounts a pod volume into the container's filesystem.",
  {
    name: str('Name of a volume of the pod.'),
    readOnly: bool('Mount read-only.'),
    recursiveReadOnly: enumOf(['Disabled', 'IfPossible', 'Enabled'], 'Whether a read-only mount is also read-only for submounts.'),
    mountPath: str('Path inside the container; must not contain ":".'),
    subPath: str('Sub-path of the volume to mount instead of its root.'),
    mountPropagation: enumOf(['Bidirectional', 'HostToContainer', 'None'], 'How mounts propagate between host and container.'),
    subPathExpr: str("Like subPath, with $(VAR) expanded from the container's environment."),
  },
  { required: ['name', 'mountPath'] },
);

export const volumeDevice = struct(
  core('VolumeDevice'),
  'Maps a raw block volume into the container as a device.',
  {
    name: str('Name of a persistentVolumeClaim volume of the pod.'),
    devicePath: str('Device path inside the container.'),
  },
  { required: ['name', 'devicePath'] },
);

/** Fields shared by regular, init and ephemeral containers. */
function containerFields(ephemeral: boolean): ObjectSchema['properties'] {
  return {
    name: str(ephemeral ? 'Name, a DNS label unique among all containers of the pod.' : 'Name, a DNS label unique among all containers of the pod. Cannot be changed.'),
    image: str('Container image reference, e.g. registry.example/app:1.2.'),
    command: listOf(str(), "Entrypoint (not run in a shell); the image's ENTRYPOINT if empty. $(VAR) is expanded."),
    args: listOf(str(), "Arguments to the entrypoint; the image's CMD if empty. $(VAR) is expanded."),
    workingDir: str("Working directory; the image's if empty."),
    ports: mapList(containerPort, 'containerPort', ephemeral ? 'Not allowed for ephemeral containers.' : 'Ports the container listens on (informational; any listening port is reachable).', ['containerPort', 'protocol'], { duplicateKeys: 'allowed' }),
    envFrom: listOf(envFromSource, 'ConfigMaps and Secrets to import as environment variables; later sources win.'),
    env: mapList(envVar, 'name', 'Environment variables; these win over envFrom.', undefined, { duplicateKeys: 'allowed' }),
    resources: resourceRequirements,
    resizePolicy: listOf(containerResizePolicy, 'How each resource may be resized in place.'),
    restartPolicy: enumOf(['Always'], ephemeral ? 'Not allowed for ephemeral containers.' : 'Only for init containers: Always makes it a sidecar that keeps running beside the app containers.'),
    volumeMounts: mapList(volumeMount, 'mountPath', 'Pod volumes to mount.'),
    volumeDevices: mapList(volumeDevice, 'devicePath', 'Raw block volumes to map as devices.'),
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    lifecycle: lifecycle,
    terminationMessagePath: str('File the container may write its termination message to.', { default: '/dev/termination-log' }),
    terminationMessagePolicy: enumOf(['File', 'FallbackToLogsOnError'], 'Where the termination message comes from: the file only, or the log tail on error.', { default: 'File' }),
    imagePullPolicy: enumOf(['Always', 'IfNotPresent', 'Never'], 'When to pull the image; Always for :latest or untagged images, else IfNotPresent.'),
    securityContext: securityContext,
    stdin: bool('Keep a stdin buffer for the container (for attach).'),
    stdinOnce: bool('Close stdin after the first attach session ends.'),
    tty: bool('Allocate a TTY; needs stdin.'),
  };
}

export const container = struct(core('Container'), 'An application container of a pod.', containerFields(false), { required: ['name'] });

export const ephemeralContainer = struct(
  core('EphemeralContainer'),
  'A temporary container added to a running pod for debugging; it has no ports, probes or resources of its own.',
  {
    ...containerFields(true),
    targetContainerName: str('Container whose namespaces (PID, IPC...) this one joins.'),
  },
  { required: ['name'] },
);
