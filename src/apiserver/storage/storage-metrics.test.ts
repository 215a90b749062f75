import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceOfKey } from './storage-metrics.js';

test('store keys name their resource as Kubernetes labels it', () => {
  assert.equal(resourceOfKey('/registry/core/pods/default/web'), 'pods');
  assert.equal(resourceOfKey('/registry/apps/deployments/'), 'deployments.apps');
  assert.equal(resourceOfKey('/registry/core/nodes/n1'), 'nodes');
  assert.equal(resourceOfKey('/elsewhere/x'), 'unknown');
});
