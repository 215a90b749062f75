// A minimal ContainerConfig for unit tests of the OCI spec, overridable field by field.

import type { ContainerConfig } from './types.js';

export const testContainerConfig = (extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
  id: 'x',
  podUid: 'u',
  name: 'c',
  layers: ['/l'],
  args: ['sh'],
  env: [],
  cwd: '/',
  uid: 0,
  gid: 0,
  tty: false,
  stdin: false,
  mounts: [],
  resources: {},
  privileged: false,
  readOnlyRootfs: false,
  capAdd: [],
  capDrop: [],
  logPath: '/log',
  ...extra,
});
