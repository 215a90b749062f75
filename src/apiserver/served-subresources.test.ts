import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinKinds } from '../api/kinds/index.js';
import { KindRegistry } from '../api/registry.js';
import type { Store } from '../store/types.js';
import { logger } from '../util/log.js';
import { ApiState } from './context.js';
import { installServedSubresources } from './served-subresources.js';

test('each server instance has its own table of served subresources and virtual creates', () => {
  // The tables need no store: nothing here reads or writes one.
  const state = () => new ApiState({} as Store, new KindRegistry(builtinKinds), logger('test'));
  const a = state();
  const b = state();
  assert.equal(a.subresources.size, 0, 'nothing is served by importing a module');
  installServedSubresources(a);
  assert.equal(b.subresources.size, 0);
  assert.deepEqual([...a.subresources.keys()].sort(), ['/nodes/proxy', '/pods/attach', '/pods/binding', '/pods/eviction', '/pods/exec', '/pods/log', '/pods/portforward', '/serviceaccounts/token', 'certificates.k8s.io/certificatesigningrequests/approval']);
  assert.deepEqual([...a.virtualCreates.keys()].sort(), [
    '/bindings',
    'authentication.k8s.io/selfsubjectreviews',
    'authentication.k8s.io/tokenreviews',
    'authorization.k8s.io/localsubjectaccessreviews',
    'authorization.k8s.io/selfsubjectaccessreviews',
    'authorization.k8s.io/selfsubjectrulesreviews',
    'authorization.k8s.io/subjectaccessreviews',
  ]);
});
