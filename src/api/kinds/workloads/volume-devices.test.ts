// volumeDevices as Kubernetes validates them: every valid use accepted (claims and generic ephemeral
// volumes, a device per container, the same claim as a device in one container and mounted in
// another), and its refusals with its words.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../kind.js';
import { pod } from './pod.js';
import { admit, messages } from './testing.js';

const mk = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
const errorsOf = (spec: Record<string, unknown>) => messages(admit(pod, mk(spec)).errors);
const volumes = [
  { name: 'raw', persistentVolumeClaim: { claimName: 'raw' } },
  { name: 'eph', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Block', resources: { requests: { storage: '1Gi' } } } } } },
  { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
  { name: 'tmp', emptyDir: {} },
];

describe('volumeDevices', () => {
  it('accepts claims and ephemeral volumes as devices, anywhere in the container, and a claim mounted by another container', () => {
    const spec = {
      volumes,
      containers: [
        {
          name: 'db',
          image: 'postgres:16',
          volumeDevices: [
            { name: 'raw', devicePath: '/dev/xvda' },
            { name: 'eph', devicePath: '/block/eph' },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        { name: 'reader', image: 'busybox', volumeMounts: [{ name: 'raw', mountPath: '/raw' }] },
      ],
      initContainers: [{ name: 'init', image: 'busybox', volumeDevices: [{ name: 'raw', devicePath: '/dev/xvda' }] }],
    };
    assert.deepEqual(errorsOf(spec), []);
  });

  it('refuses what Kubernetes refuses, with its messages', () => {
    const errs = errorsOf({
      volumes,
      containers: [
        {
          name: 'c',
          image: 'busybox',
          volumeMounts: [{ name: 'data', mountPath: '/dev/xvdb' }],
          volumeDevices: [
            { name: 'raw', devicePath: '/dev/xvda' },
            { name: 'raw', devicePath: '/dev/xvda' },
            { name: 'tmp', devicePath: '/dev/tmp' },
            { name: 'nope', devicePath: '/dev/nope' },
            { name: 'eph', devicePath: '/dev/../etc/eph' },
            { name: 'data', devicePath: '/dev/xvdb' },
          ],
        },
      ],
    });
    for (const want of [
      'spec.containers[0].volumeMounts[0].name: Invalid value: "data": must not already exist in volumeDevices',
      'spec.containers[0].volumeMounts[0].mountPath: Invalid value: "/dev/xvdb": must not already exist as a path in volumeDevices',
      'spec.containers[0].volumeDevices[1].name: Invalid value: "raw": must be unique',
      'spec.containers[0].volumeDevices[1].devicePath: Invalid value: "/dev/xvda": must be unique',
      'spec.containers[0].volumeDevices[2].name: Invalid value: "tmp": can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode',
      'spec.containers[0].volumeDevices[3].name: Not found: "nope"',
      'spec.containers[0].volumeDevices[4].devicePath: Invalid value: "/dev/../etc/eph": can not contain backsteps (\'..\')',
      'spec.containers[0].volumeDevices[5].devicePath: Invalid value: "/dev/xvdb": must not already exist as a path in volumeMounts',
      'spec.containers[0].volumeDevices[5].name: Invalid value: "data": must not already exist in volumeMounts',
    ]) {
      assert.ok(errs.includes(want), `missing ${want} in\n${errs.join('\n')}`);
    }
  });
});
