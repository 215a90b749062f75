import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec } from './oci-spec.js';
import type { ContainerConfig } from './types.js';
import { testContainerConfig } from './test-config.js';

const cfg = (oomScoreAdj?: number): ContainerConfig => testContainerConfig({ oomScoreAdj });

test("the container's oom_score_adj goes into process.oomScoreAdj (0 when none was computed)", () => {
  const oom = (c: ContainerConfig) => (buildSpec(c, { podUid: 'u', dir: '/d' }, '/gifee/podu/x').process as { oomScoreAdj: number }).oomScoreAdj;
  assert.equal(oom(cfg(-997)), -997);
  assert.equal(oom(cfg(1000)), 1000);
  assert.equal(oom(cfg(undefined)), 0);
});
