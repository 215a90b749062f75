// mountPropagation as Kubernetes validates it: Bidirectional only for privileged containers
// (a CSI driver's node plugin is privileged); HostToContainer and None for anyone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../kind.js';
import { pod } from './pod.js';
import { admit, messages } from './testing.js';

const mk = (mountPropagation: string, privileged?: boolean): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { volumes: [{ name: 'kubelet', hostPath: { path: '/var/lib/kubelet' } }], containers: [{ name: 'driver', image: 'csi-driver:1', ...(privileged ? { securityContext: { privileged: true } } : {}), volumeMounts: [{ name: 'kubelet', mountPath: '/var/lib/kubelet', mountPropagation }] }] },
});

test('Bidirectional needs a privileged container; HostToContainer and None do not', () => {
  assert.deepEqual(messages(admit(pod, mk('Bidirectional', true)).errors), []);
  assert.deepEqual(messages(admit(pod, mk('Bidirectional')).errors), ['spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers']);
  assert.deepEqual(messages(admit(pod, mk('HostToContainer')).errors), []);
  assert.deepEqual(messages(admit(pod, mk('None')).errors), []);
});
