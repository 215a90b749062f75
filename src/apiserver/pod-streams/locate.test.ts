// Container choice and agent paths for pod stream requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickContainer } from './locate.js';
import { agentPath } from './agent-paths.js';

const pod = (containers: string[], annotations?: Record<string, string>, init: string[] = []) => ({
  metadata: { name: 'p', annotations },
  spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
});

test('container: as asked, the only one, the default-container annotation, else a clear 400', () => {
  assert.equal(pickContainer(pod(['a', 'b']), 'b'), 'b');
  assert.equal(pickContainer(pod(['a'], undefined, ['init']), 'init'), 'init');
  assert.equal(pickContainer(pod(['a']), null), 'a');
  assert.equal(pickContainer(pod(['a', 'b'], { 'kubectl.kubernetes.io/default-container': 'b' }), null), 'b');
  assert.throws(() => pickContainer(pod(['a', 'b']), null), { code: 400, message: 'a container name must be specified for pod p, choose one of: [a b]' });
  assert.throws(() => pickContainer(pod(['a']), 'x'), { code: 400, message: 'container x is not valid for pod p' });
});

test('agent paths: container into the path, log parameters filtered, exec parameters kept', () => {
  assert.equal(agentPath('containerLogs', 'ns', 'p', 'c', new URLSearchParams('container=c&follow=true&tailLines=3&pretty=1')), '/containerLogs/ns/p/c?follow=true&tailLines=3');
  assert.equal(agentPath('exec', 'ns', 'p', 'c', new URLSearchParams('command=ls&command=-l&stdout=true&container=c')), '/exec/ns/p/c?command=ls&command=-l&stdout=true');
  assert.equal(agentPath('portForward', 'ns', 'p', undefined, new URLSearchParams('ports=80')), '/portForward/ns/p?ports=80');
});
