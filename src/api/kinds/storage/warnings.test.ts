// The warnings Kubernetes gives for StorageClasses, CSIStorageCapacities and Ingresses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingressWarnings } from '../networking/warnings.js';
import { csiStorageCapacityWarnings, storageClassWarnings } from './warnings.js';

test('deprecated node labels in topologies', () => {
  assert.deepEqual(
    storageClassWarnings({
      allowedTopologies: [
        {
          matchLabelExpressions: [
            { key: 'topology.kubernetes.io/zone', values: ['a'] },
            { key: 'failure-domain.beta.kubernetes.io/zone', values: ['a'] },
          ],
        },
      ],
    }),
    ['allowedTopologies[0].matchLabelExpressions[1]: deprecated since v1.17; use "topology.kubernetes.io/zone" instead'],
  );
  assert.deepEqual(storageClassWarnings({}), []);
  assert.deepEqual(csiStorageCapacityWarnings({ nodeTopology: { matchLabels: { 'beta.kubernetes.io/os': 'linux' }, matchExpressions: [{ key: 'beta.kubernetes.io/arch', operator: 'Exists' }] } }), [
    'nodeTopology.matchExpressions[0]: beta.kubernetes.io/arch is deprecated since v1.14; use "kubernetes.io/arch" instead',
    'nodeTopology.matchLabels.beta.kubernetes.io/os: deprecated since v1.14; use "kubernetes.io/os" instead',
  ]);
});

test('the ingress class annotation without a class name', () => {
  const annotated = { metadata: { annotations: { 'kubernetes.io/ingress.class': 'nginx' } } };
  assert.deepEqual(ingressWarnings({ ...annotated, spec: {} }), [`annotation "kubernetes.io/ingress.class" is deprecated, please use 'spec.ingressClassName' instead`]);
  assert.deepEqual(ingressWarnings({ ...annotated, spec: { ingressClassName: 'nginx' } }), []);
  assert.deepEqual(ingressWarnings({ spec: {} }), []);
});
